"""The compare and sweep pages' answers to "does it pass now?": tables a planner reads first.

A comparison's page opens with each target's verdict in the base run and in each variant
(``compare.parquet``'s ``target``, ``base_verdict``, ``variant_verdict``: does the variant
turn a fail into a pass?). A grid or Latin-hypercube sweep's page opens with how many points
meet each of the scenario's targets, and lists every point — its levers, each KPI's mean
and 95 % CI over its replications, the target's verdict (:mod:`simdata.experiments.sweep.
readout`). A Morris sweep's μ* and σ are shown per grid step in the KPI's unit, with the
one line that says what they measure. ``--kpi``/``--targets-only`` (:class:`KpiFilter`)
choose the rows of a run's KPI table and of a comparison's differences.

Texts live here in both languages (``_TEXT``), beside the tables they label.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from simdata.analysis.kpi_filter import KpiFilter
from simdata.analysis.multiplicity import ALPHA
from simdata.experiments.sweep.readout import (
    MORRIS_IN_UNIT,
    PER_POINT_METHODS,
    morris_step,
    per_step,
    point_summary,
)
from simdata.report import i18n
from simdata.report.plots.common import kpi_unit
from simdata.report.plots.sweep import lever_label, sweep_design, sweep_method
from simdata.report.source import Results

_TEXT: dict[str, dict[str, str]] = {
    "compare.verdicts": {"en": "Targets: base → variant", "zh": "目标判定：基准 → 方案"},
    "compare.verdicts.note": {
        "en": "Each run's own verdict on its targets (the whole 95% CI on the right side: "
        "pass; wholly on the wrong side: fail; otherwise undecided).",
        "zh": "各次运行对自身目标的判定（95%置信区间全部满足目标为通过，全部不满足为未通过，"
        "否则为待定）。",
    },
    "col.base_verdict": {"en": "base", "zh": "基准"},
    "col.verdicts": {"en": "target: base → variant", "zh": "目标判定：基准 → 方案"},
    "col.variant_verdict": {"en": "variant", "zh": "方案"},
    "col.point": {"en": "point", "zh": "参数点"},
    "sweep.points": {"en": "{kpi} at each point", "zh": "各参数点的{kpi}"},
    "sweep.points.note": {
        "en": "Mean over the point's {replications} replications with its 95% CI; a quantile "
        "KPI is the mean of the replications' own quantiles (a sweep keeps no histograms).",
        "zh": "该参数点{replications}次重复的均值及95%置信区间；分位数指标为各次重复自身分位数"
        "的均值（参数扫描不保存直方图）。",
    },
    "sweep.targets": {"en": "Targets across the points", "zh": "各参数点的目标判定"},
    "col.points_pass": {"en": "points that pass", "zh": "通过的参数点"},
    "col.points_fail": {"en": "fail", "zh": "未通过"},
    "col.points_undecided": {"en": "undecided", "zh": "待定"},
    "sweep.morris": {"en": "Morris screening (per grid step)", "zh": "Morris筛选（每网格步长）"},
    "sweep.morris.note": {
        "en": "μ*: mean absolute change of the KPI when the lever moves one grid step, "
        "Δ = {step} of its range ({levels} levels); σ: how much that change varies "
        "(non-linearity, interactions); both in the KPI's unit (indices.parquet keeps "
        "SALib's values, per whole range: ÷ Δ).",
        "zh": "μ*：参数移动一个网格步长（Δ = 其取值范围的{step}，共{levels}个水平）时指标变化量"
        "绝对值的均值；σ：该变化量的离散程度（非线性或交互作用）；二者均以指标自身单位表示"
        "（indices.parquet 保存 SALib 原值，即整个取值范围上的变化：÷ Δ）。",
    },
    "sweep.replications": {"en": "{count} per point", "zh": "每个参数点{count}次"},
}


def _t(key: str, lang: str, **fields: object) -> str:
    template = _TEXT[key].get(lang) or _TEXT[key]["en"]
    return template.format(**fields) if fields else template


def _verdict(verdict: object, lang: str) -> str:
    return i18n.verdict_label(str(verdict), lang) if verdict else "—"


def chosen_rows(table: pl.DataFrame | None, chosen: KpiFilter | None) -> pl.DataFrame | None:
    """The rows of a summary or comparison table that ``--kpi``/``--targets-only`` keep."""
    if table is None or chosen is None or not chosen.active or "kpi" not in table.columns:
        return table
    targets = table["target"].to_list() if "target" in table.columns else [None] * table.height
    keep = [
        chosen.keeps(str(kpi), target is not None)
        for kpi, target in zip(table["kpi"].to_list(), targets, strict=True)
    ]
    return table.filter(pl.Series(keep, dtype=pl.Boolean))


def compare_headline(results: Results, lang: str) -> list[dict[str, Any]]:
    """Each target of either run, per variant: the base's verdict and the variant's."""
    compare = results.table("compare")
    if compare is None or "base_verdict" not in compare.columns:
        return []
    targeted = compare.filter(pl.col("target").is_not_null())
    if targeted.is_empty():
        return []
    rows = [
        [
            str(row["variant"]),
            i18n.kpi_label(str(row["kpi"]), lang),
            str(row["target"]),
            _verdict(row["base_verdict"], lang),
            _verdict(row["variant_verdict"], lang),
        ]
        for row in targeted.iter_rows(named=True)
    ]
    keys = ("col.variant", "col.kpi", "col.target")
    header = [i18n.text(key, lang) for key in keys] + [
        _t("col.base_verdict", lang),
        _t("col.variant_verdict", lang),
    ]
    title, note = _t("compare.verdicts", lang), _t("compare.verdicts.note", lang)
    return [{"title": title, "header": header, "rows": rows, "note": note}]


def _points(results: Results) -> tuple[pl.DataFrame, list[str], list[str]] | None:
    """A grid's or LHS's per-point summary, its levers and KPIs (None for other sweeps)."""
    points = results.table("points")
    if sweep_method(results) not in PER_POINT_METHODS or points is None:
        return None
    design = sweep_design(results)
    levers = [
        str(p.get("name") or p.get("path"))
        for p in design.get("parameters") or []
        if isinstance(p, dict)
    ]
    kpis = [str(k) for k in design.get("kpis") or [] if str(k) in points.columns]
    table = point_summary(points, levers, kpis, results.targets())
    return (table, levers, kpis) if not table.is_empty() else None


def sweep_headline(results: Results, lang: str) -> list[dict[str, Any]]:
    """Per target of the scenario: at how many of the sweep's points it passes, fails or
    stays undecided."""
    found = _points(results)
    if found is None:
        return []
    table = found[0].filter(pl.col("verdict").is_not_null())
    rows = []
    for (kpi, target), group in table.group_by("kpi", "target", maintain_order=True):
        counts = group["verdict"].value_counts()
        count = dict(zip(counts["verdict"].to_list(), counts["count"].to_list(), strict=True))
        rows.append(
            [
                i18n.kpi_label(str(kpi), lang),
                str(target),
                f"{count.get('pass', 0)} / {group.height}",
                str(count.get("fail", 0)),
                str(count.get("undecided", 0)),
            ]
        )
    if not rows:
        return []
    header = [i18n.text("col.kpi", lang), i18n.text("col.target", lang)] + [
        _t(key, lang) for key in ("col.points_pass", "col.points_fail", "col.points_undecided")
    ]
    return [{"title": _t("sweep.targets", lang), "header": header, "rows": rows, "note": None}]


def point_tables(results: Results, lang: str) -> list[dict[str, Any]]:
    """One table per design KPI: every point's levers, mean, 95 % CI and verdict."""
    found = _points(results)
    if found is None:
        return []
    table, levers, kpis = found
    replications = results.manifest.get("replications") or "—"
    units = {
        str(p.get("name") or p.get("path")): p.get("unit")
        for p in sweep_design(results).get("parameters") or []
        if isinstance(p, dict)
    }
    tables = []
    for kpi in kpis:
        rows = table.filter(pl.col("kpi") == kpi)
        unit = kpi_unit(kpi)
        targeted = rows["target"].drop_nulls().first() is not None
        cells = []
        for row in rows.iter_rows(named=True):
            low, high = row["ci_low"], row["ci_high"]
            cells.append(
                [
                    str(row["point"]),
                    *(_lever_text(row.get(lever), units.get(lever), lang) for lever in levers),
                    i18n.format_value(row["mean"], unit, lang),
                    f"[{i18n.format_value(low, unit, lang)}, "
                    f"{i18n.format_value(high, unit, lang)}]",
                    *((_verdict(row["verdict"], lang),) if targeted else ()),
                ]
            )
        header = [_t("col.point", lang), *levers, i18n.text("col.mean", lang)]
        header.append(i18n.text("col.ci", lang))
        if targeted:
            header.append(i18n.text("col.verdict", lang))
        tables.append(
            {
                "title": _t("sweep.points", lang, kpi=i18n.kpi_label(kpi, lang)),
                "header": header,
                "rows": cells,
                "note": _t("sweep.points.note", lang, replications=replications),
            }
        )
    return tables


def _lever_text(value: object, unit: object, lang: str) -> str:
    """A lever's value as the design wrote it: the number and the design's unit (``0.8 s``)."""
    number = i18n.format_value(value if isinstance(value, float) else None, None, lang)
    if not unit:
        return number
    return f"{number}{'' if str(unit).startswith(('%', '/')) else ' '}{unit}"


def morris_table(results: Results, lang: str) -> list[dict[str, Any]]:
    """A Morris sweep's μ*, μ and σ per grid step in each KPI's unit, with what they mean."""
    indices = results.table("indices")
    if sweep_method(results) != "morris" or indices is None:
        return []
    levels = int(sweep_design(results).get("levels") or 4)
    rows = []
    for row in indices.filter(pl.col("index").is_in(MORRIS_IN_UNIT)).iter_rows(named=True):
        unit = kpi_unit(str(row["kpi"]))
        value = per_step(str(row["index"]), row["value"], levels)
        conf = per_step(str(row["index"]), row.get("conf"), levels)
        rows.append(
            [
                i18n.kpi_label(str(row["kpi"]), lang),
                lever_label(str(row["parameter"]), lang),
                {"mu_star": "μ*", "mu": "μ", "sigma": "σ"}[str(row["index"])],
                i18n.format_value(value, unit, lang),
                "—" if conf is None else f"± {i18n.format_value(conf, unit, lang)}",
                i18n.text("near_zero", lang) if row.get("near_zero") else "",
            ]
        )
    keys = ("col.kpi", "col.parameter", "col.index", "col.value", "col.ci")
    header = [i18n.text(key, lang) for key in keys] + [""]
    note = _t("sweep.morris.note", lang, step=morris_step(levels), levels=levels)
    return [{"title": _t("sweep.morris", lang), "header": header, "rows": rows, "note": note}]


def sweep_parameters(
    results: Results, parameters: list[tuple[str, str]], lang: str
) -> list[tuple[str, str]]:
    """The key parameters of a sweep's page with ``run.replications`` as the sweep ran them
    (the design's, per point), not the base scenario's."""
    if results.kind != "sweep":
        return parameters
    count = results.manifest.get("replications")
    if count is None:
        count = sweep_design(results).get("replications")
    if count is None:
        return parameters
    per_point = ("run.replications", _t("sweep.replications", lang, count=count))
    names = [name for name, _ in parameters]
    if "run.replications" not in names:
        return [per_point, *parameters]
    return [per_point if name == "run.replications" else (name, v) for name, v in parameters]


def compare_table(
    results: Results, lang: str, chosen: KpiFilter | None = None
) -> list[dict[str, Any]]:
    """``compare.parquet`` as the page's table of differences: the rows ``chosen`` keeps,
    each target's verdicts (base → variant) beside its difference."""
    compare = chosen_rows(results.table("compare"), chosen)
    if compare is None:
        return []
    with_verdicts = "base_verdict" in compare.columns
    rows = []
    for row in compare.iter_rows(named=True):
        unit = kpi_unit(str(row.get("kpi")))
        pairs = row.get("n_pairs")
        pair = (
            f"{_verdict(row['base_verdict'], lang)} → {_verdict(row['variant_verdict'], lang)}"
            if row.get("target") is not None
            else ""
        )
        rows.append(
            [
                str(row.get("variant")),
                i18n.kpi_label(str(row.get("kpi")), lang),
                *((pair,) if with_verdicts else ()),
                _signed(row.get("diff_mean"), unit, lang),
                _ci_text(row.get("diff_ci_low"), row.get("diff_ci_high"), unit, lang),
                "—" if pairs is None else str(pairs),
                _p_text(row.get("p_holm")),
                i18n.text(_better_key(row), lang),
            ]
        )
    header = [i18n.text("col.variant", lang), i18n.text("col.kpi", lang)]
    if with_verdicts:
        header.append(_t("col.verdicts", lang))
    keys = ("col.diff", "col.ci", "col.pairs", "col.p_holm", "col.better")
    header += [i18n.text(key, lang) for key in keys]
    family = compare["in_family"].sum() if "in_family" in compare.columns else None
    note = (
        i18n.text("compare.note", lang, alpha=ALPHA, family=family) if family is not None else None
    )
    return [
        {"title": i18n.text("compare.table", lang), "header": header, "rows": rows, "note": note}
    ]


def _ci_text(low: float | None, high: float | None, unit: str | None, lang: str) -> str:
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "—"
    return f"[{i18n.format_value(low, unit, lang)}, {i18n.format_value(high, unit, lang)}]"


def _better_key(row: dict[str, Any]) -> str:
    """The text key of a ``better`` cell; a null one says why no claim was made."""
    better = row.get("better")
    if better is None and "in_family" in row:
        return "better.conditional" if row.get("conditional") else "better.outside"
    return _BETTER.get(better, "better.none")


def _p_text(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


#: ``compare.parquet``'s ``better`` (which run the CI favours) → text key.
_BETTER: dict[object, str] = {
    "variant": "better.true",
    "base": "better.false",
    "equal": "better.none",
    "undecided": "better.none",
    "n/a": "better.na",
    True: "better.true",
    False: "better.false",
}


def _signed(value: float | None, unit: str | None, lang: str) -> str:
    text = i18n.format_value(value, unit, lang)
    return f"+{text}" if value is not None and value > 0 else text
