"""A sweep's figures: per KPI its sensitivity indices (Sobol'/FAST or Morris) and a tornado.

Reads ``points.parquet``, ``indices.parquet`` and ``design.yaml``; each caption says how much
of the KPI's variation is replication noise, and whether the figure can be trusted.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl
import yaml

from simdata.analysis.stats import t_half_width
from simdata.arrays import FloatArray
from simdata.experiments.sweep.methods import METHODS, NOISE_LEVER
from simdata.report import i18n
from simdata.report.i18n import kpi_label
from simdata.report.plots.common import (
    PALETTE,
    Canvas,
    Plot,
    finite_number,
    kpi_unit,
    scale_for,
)
from simdata.report.source import Results

#: The most KPIs of a sweep that get their own figures (the design's order).
SWEEP_KPIS = 6
#: A replication-noise share from which a sweep's figures mostly show noise.
NOISY = 0.5


def sweep_design(results: Results) -> dict[str, Any]:
    """``design.yaml`` of a sweep directory (empty when absent or unreadable)."""
    path = results.path / "design.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def sweep_kpis(results: Results) -> list[str]:
    """KPIs of a sweep, the design's order first (the first is the main one)."""
    found = [str(k) for k in sweep_design(results).get("kpis") or []]
    indices = results.table("indices")
    if indices is not None and "kpi" in indices.columns:
        found += indices["kpi"].unique(maintain_order=True).to_list()
    points = results.table("points")
    if points is not None:
        found += [c for c in points.columns if kpi_unit(c) is not None]
    return list(dict.fromkeys(found))


def sweep_parameters(results: Results) -> list[str]:
    labels = [
        str(p.get("name") or p.get("path"))
        for p in sweep_design(results).get("parameters") or []
        if isinstance(p, dict)
    ]
    indices = results.table("indices")
    if indices is not None and "parameter" in indices.columns:
        labels += indices["parameter"].unique(maintain_order=True).to_list()
    points = results.table("points")
    kpis = set(sweep_kpis(results))
    if points is not None:
        labels += [c for c in points.columns if c not in ("point", "replication") and c not in kpis]
    columns = set(points.columns) if points is not None else set(labels)
    return [label for label in dict.fromkeys(labels) if label in columns]


def lever_label(name: str, lang: str) -> str:
    """A lever's label as shown: the noise lever in the report's language."""
    return i18n.text("noise_lever", lang) if name == NOISE_LEVER else name


def sweep_method(results: Results) -> str | None:
    """The sweep's method (``sobol``, ``morris`` …) from the manifest, else ``design.yaml``."""
    method = results.manifest.get("method") or sweep_design(results).get("method")
    return str(method) if method else None


def sweep_noise(results: Results) -> dict[str, float]:
    """Per KPI, its replication-noise share (``indices.parquet``, else the manifest's)."""
    noise: dict[str, float] = {}
    recorded = results.manifest.get("noise_share")
    if isinstance(recorded, dict):
        noise.update({str(k): v for k, v in recorded.items() if finite_number(v) is not None})
    indices = results.table("indices")
    if indices is not None and {"kpi", "noise_share"} <= set(indices.columns):
        for kpi, share in indices.group_by("kpi").agg(pl.col("noise_share").first()).iter_rows():
            value = finite_number(share)
            if value is not None:
                noise[str(kpi)] = value
    return noise


def noise_note(share: float | None, lang: str) -> str:
    """The caption's sentence on a KPI's replication noise and whether to trust the figure."""
    if share is None or not math.isfinite(share):
        return i18n.text("noise.unknown", lang)
    percent = share * 100
    shown = f"{percent:.1f}%" if percent < 10 else f"{percent:.0f}%"
    return i18n.text("noise.high" if share >= NOISY else "noise.low", lang, share=shown)


def sweep_plots(results: Results, canvas: Canvas) -> list[Plot]:
    """Per KPI (the design's first :data:`SWEEP_KPIS`): its index figure and its tornado."""
    kpis = sweep_kpis(results)[:SWEEP_KPIS]
    method = sweep_method(results)
    noise = sweep_noise(results)
    has_noise = bool(noise) or method is not None
    # The figures of the indices the method reports (both when the method is unknown).
    known = METHODS.get(method or "")
    reported = {name for name, _ in known.indices} if known else {"S1", "mu_star"}
    indices = results.table("indices")
    if indices is not None and not {"kpi", "parameter", "index", "value"} <= set(indices.columns):
        indices = None
    plots: list[Plot] = []
    for number, kpi in enumerate(kpis, start=1):
        drawn: list[Plot | None] = []
        if indices is not None:
            mine = indices.filter(pl.col("kpi") == kpi)
            if "S1" in reported:
                drawn.append(_sobol(mine, kpi, canvas))
            if "mu_star" in reported:
                drawn.append(_morris(mine, kpi, canvas))
        drawn.append(_tornado(results, kpi, canvas))
        note = noise_note(noise.get(kpi), canvas.lang) if has_noise else ""
        if known is not None and known.noise_lever:
            note = f"{note} {i18n.text('near_zero.note', canvas.lang)}".strip()
        for plot in drawn:
            if plot is None:
                continue
            plots.append(
                replace(
                    plot,
                    key=plot.key if number == 1 else f"{plot.key}_{number}",
                    caption=f"{plot.caption} {note}".strip(),
                )
            )
    return plots


def _index(rows: pl.DataFrame, name: str) -> pl.DataFrame:
    """``parameter, value, lo, hi, near_zero`` of one index (CI from ci_low/high or conf)."""
    picked = rows.filter(pl.col("index") == name)
    if picked.is_empty():
        return picked
    value = pl.col("value")
    low = (
        pl.col("ci_low")
        if "ci_low" in picked.columns
        else value - pl.col("conf")
        if "conf" in picked.columns
        else value
    )
    high = (
        pl.col("ci_high")
        if "ci_high" in picked.columns
        else value + pl.col("conf")
        if "conf" in picked.columns
        else value
    )
    near = (
        pl.col("near_zero").fill_null(False)
        if "near_zero" in picked.columns
        else (low.fill_null(value) <= 0) & (high.fill_null(value) >= 0)
    )
    return picked.select(
        "parameter",
        "value",
        low.fill_null(value).alias("lo"),
        high.fill_null(value).alias("hi"),
        near.alias("near_zero"),
    )


def _sobol(rows: pl.DataFrame, kpi: str, canvas: Canvas) -> Plot | None:
    first, total = _index(rows, "S1"), _index(rows, "ST")
    if first.is_empty() and total.is_empty():
        return None
    order_by = total if not total.is_empty() else first
    parameters = order_by.sort("value", descending=True)["parameter"].to_list()
    y = np.arange(len(parameters))
    label = kpi_label(kpi, canvas.lang)
    with canvas.figure(8.5, 0.5 * len(parameters) + 1.8) as figure:
        axes = figure.subplots()
        for offset, (frame, key, color) in enumerate(
            ((first, "s1", PALETTE[0]), (total, "st", PALETTE[1]))
        ):
            if frame.is_empty():
                continue
            ordered = pl.DataFrame({"parameter": parameters}).join(
                frame, on="parameter", how="left"
            )
            value = ordered["value"].to_numpy()
            err = np.vstack(
                [
                    np.maximum(value - ordered["lo"].to_numpy(), 0),
                    np.maximum(ordered["hi"].to_numpy() - value, 0),
                ]
            )
            positions = y + (offset - 0.5) * 0.38
            axes.barh(
                positions,
                value,
                height=0.36,
                xerr=np.nan_to_num(err),
                color=color,
                alpha=0.85,
                capsize=3,
                label=canvas.t(key),
            )
            for position, is_zero, v in zip(
                positions, ordered["near_zero"].to_list(), value, strict=True
            ):
                if is_zero:
                    axes.text(
                        max(v, 0) + 0.01,
                        position,
                        canvas.t("near_zero"),
                        va="center",
                        fontsize=8,
                        color="#555555",
                    )
        axes.axvline(0, color="#7a7a7a", linewidth=0.8)
        axes.set_yticks(y, [lever_label(p, canvas.lang) for p in parameters])
        axes.invert_yaxis()
        axes.set_xlabel(canvas.t("index_value"))
        axes.legend(loc="lower right")
        axes.set_title(canvas.t("title.sobol", kpi=label))
        return canvas.plot("sobol", figure, kpi=label)


def _morris(rows: pl.DataFrame, kpi: str, canvas: Canvas) -> Plot | None:
    mu_star, sigma = _index(rows, "mu_star"), _index(rows, "sigma")
    if mu_star.is_empty() or sigma.is_empty():
        return None
    both = mu_star.join(sigma.select("parameter", pl.col("value").alias("sigma")), on="parameter")
    unit = kpi_unit(kpi)
    scale = scale_for(unit, both["value"].to_list(), canvas.lang)
    label = kpi_label(kpi, canvas.lang)
    with canvas.figure(8.0, 4.6) as figure:
        axes = figure.subplots()
        x = both["value"].to_numpy() * scale.factor
        err = np.vstack(
            [
                np.maximum(x - both["lo"].to_numpy() * scale.factor, 0),
                np.maximum(both["hi"].to_numpy() * scale.factor - x, 0),
            ]
        )
        y = both["sigma"].to_numpy() * scale.factor
        axes.errorbar(x, y, xerr=np.nan_to_num(err), fmt="o", color=PALETTE[0], capsize=3)
        for name, xi, yi, near in zip(
            both["parameter"].to_list(), x, y, both["near_zero"].to_list(), strict=True
        ):
            shown = lever_label(name, canvas.lang) + (f" ({canvas.t('near_zero')})" if near else "")
            axes.annotate(shown, (xi, yi), textcoords="offset points", xytext=(5, 4), fontsize=8)
        top = float(max(np.nanmax(x), np.nanmax(y), 1e-12)) * 1.15
        axes.plot([0, top], [0, top], color="#7a7a7a", linewidth=0.8, linestyle=":")
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
        axes.set_xlabel(f"{canvas.t('mu_star')} ({scale.unit})")
        axes.set_ylabel(f"{canvas.t('sigma')} ({scale.unit})")
        axes.set_title(canvas.t("title.morris", kpi=label))
        return canvas.plot("morris", figure, kpi=label)


def _tornado(results: Results, kpi: str, canvas: Canvas) -> Plot | None:
    """Per parameter: the KPI's mean over points in its lowest vs highest quarter (95% CI)."""
    points = results.table("points")
    parameters = sweep_parameters(results)
    if points is None or kpi not in points.columns or not parameters:
        return None
    per_point = (
        points.group_by("point")
        .agg(pl.col(kpi).mean(), *[pl.col(p).first() for p in parameters])
        .drop_nans(kpi)
        .drop_nulls(kpi)
    )
    if per_point.height < 4:
        return None
    unit = kpi_unit(kpi)
    overall = float(per_point[kpi].mean())  # type: ignore[arg-type]
    rows = []
    for parameter in parameters:
        values = per_point[parameter]
        low_cut, high_cut = values.quantile(0.25), values.quantile(0.75)
        if low_cut is None or high_cut is None or low_cut == high_cut:
            continue
        low = per_point.filter(pl.col(parameter) <= low_cut)[kpi].to_numpy()
        high = per_point.filter(pl.col(parameter) >= high_cut)[kpi].to_numpy()
        rows.append((parameter, *_mean_half(low), *_mean_half(high)))
    if not rows:
        return None
    rows.sort(key=lambda r: abs(r[3] - r[1]))
    scale = scale_for(unit, [overall, *[r[1] for r in rows], *[r[3] for r in rows]], canvas.lang)
    label = kpi_label(kpi, canvas.lang)
    y = np.arange(len(rows))
    with canvas.figure(8.5, 0.5 * len(rows) + 1.8) as figure:
        axes = figure.subplots()
        base = overall * scale.factor
        for index, (key, color) in enumerate((("low_half", PALETTE[0]), ("high_half", PALETTE[1]))):
            ends = np.array([r[1 + 2 * index] for r in rows]) * scale.factor
            halves = np.array([r[2 + 2 * index] for r in rows]) * scale.factor
            axes.barh(
                y, ends - base, left=base, height=0.6, color=color, alpha=0.8, label=canvas.t(key)
            )
            axes.errorbar(
                ends, y, xerr=np.nan_to_num(halves), fmt="none", ecolor="#333333", capsize=3
            )
        axes.axvline(base, color="#333333", linewidth=1)
        axes.set_yticks(y, [lever_label(r[0], canvas.lang) for r in rows])
        axes.set_xlabel(f"{label} ({scale.unit})")
        axes.legend(loc="lower right", fontsize=7)
        axes.set_title(canvas.t("title.tornado", kpi=label))
        return canvas.plot("tornado", figure, kpi=label)


def _mean_half(values: FloatArray) -> tuple[float, float]:
    n = len(values)
    std = float(values.std(ddof=1)) if n > 1 else math.nan
    half = t_half_width(np.array([std]), np.array([n]))[0]
    return float(values.mean()), float(half)
