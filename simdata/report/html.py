"""``report.html`` / ``report.zh.html``: one self-contained page per results directory and
language (English and Chinese sit side by side in one directory; ``--out`` writes elsewhere).

The page is rendered by jinja2 with autoescaping on (scenario names and descriptions are
user text: ``<script>`` in a name shows as text), with inline CSS, figures as ``data:``
PNGs and a Content-Security-Policy that allows nothing else, so it reads offline and makes
no network request. What it shows depends on the directory's ``kind`` (see
``docs/reports.md``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
import yaml

from simdata.analysis.kpi_filter import KpiFilter
from simdata.analysis.summary import SummaryRow, summary_rows
from simdata.errors import UsageError
from simdata.experiments.sweep.methods import NOISE_LEVER
from simdata.report import i18n
from simdata.report.backtest_page import backtest_content
from simdata.report.experiment_tables import (
    chosen_rows,
    compare_headline,
    compare_table,
    morris_table,
    point_tables,
    sweep_headline,
    sweep_parameters,
)
from simdata.report.fonts import FontWarning, find_cjk_font
from simdata.report.network_page import network_content
from simdata.report.numbers import plain_number
from simdata.report.optimize_page import optimize_content
from simdata.report.plots import (
    capacity_plots,
    capacity_sla,
    compare_plots,
    identifier_plots,
    node_plots,
    public_data_plots,
    sweep_kpis,
    sweep_plots,
)
from simdata.report.plots.common import Canvas, Plot
from simdata.report.plots.sweep import lever_label
from simdata.report.plots.timeline import in_system_plot
from simdata.report.source import Results, open_results
from simdata.report.warning_text import translate_warning
from simdata.results import write_text
from simdata.scenario.readable import readable_at, value_at

REPORT_NAME = "report.html"
#: The page's file name in each language: both can sit in one results directory.
REPORT_NAMES = {"en": REPORT_NAME, "zh": "report.zh.html"}

#: Scenario fields worth a line in the summary (dotted paths into scenario.yaml).
KEY_PARAMETERS = (
    "run.replications",
    "run.seed",
    "run.start_date",
    "run.end_date",
    "run.horizon",
    "run.warmup",
    "resolution.servers",
    "resolution.traffic.rate",
    "resolution.queue_limit",
    "resolution.cache.hit_ratio",
    "resolution.sla",
    "enterprises.adoption.model",
    "enterprises.adoption.rate",
    "subsidy.min_registrations",
    "subsidy.min_daily_resolutions",
    "subsidy.min_cases",
    "subsidy.window",
    "subsidy.deadline",
    "catalogue.departments",
    "catalogue.datasets",
    "policy.reviewers_per_department",
    "policy.sla",
    "policy.auto_approval_share",
    "agency.enabled",
    "agency.analysts",
    "agency.sandbox_slots",
)


@dataclass
class Report:
    """A built report: where it was written, what it warned about, how long it took."""

    path: Path
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("simdata.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def report_path(results_dir: Path, lang: str) -> Path:
    """Where ``simdata report`` writes by default: ``report.html`` or ``report.zh.html``."""
    return Path(results_dir) / REPORT_NAMES[lang]


def build_report(
    results_dir: Path, lang: str = "en", out: Path | None = None, chosen: KpiFilter | None = None
) -> Report:
    """Render and write ``results_dir/report.html`` (``report.zh.html`` in Chinese, or
    ``out``), its KPI and difference tables showing the rows ``chosen`` keeps (``--kpi``,
    ``--targets-only``); bad input raises before anything is written."""
    if lang not in i18n.LANGS:
        raise UsageError(f"--lang: expected one of {', '.join(i18n.LANGS)}, got {lang!r}")
    started = time.perf_counter()
    results = open_results(Path(results_dir))
    notes: list[str] = []
    cjk = find_cjk_font()
    if cjk is None and lang == "zh":
        notes.append(i18n.text("font.missing", lang))
        warnings.warn(i18n.text("font.missing", "en"), FontWarning, stacklevel=2)
    canvas = Canvas(lang=lang, cjk_font=cjk)
    html = render(results, canvas, notes, chosen)
    path = report_path(results.path, lang) if out is None else Path(out)
    if path.is_dir():
        raise UsageError(f"--out: expected a file name, got the directory {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, html)
    return Report(path=path, warnings=notes, seconds=time.perf_counter() - started)


def write_report(results_dir: Path, lang: str = "en") -> Path:
    """Write the report of ``results_dir`` (run, capacity, sweep or compare); return its path."""
    return build_report(results_dir, lang).path


def render(
    results: Results, canvas: Canvas, banners: list[str], chosen: KpiFilter | None = None
) -> str:
    """The page's HTML: the kind's figures and tables, the KPI summary, the provenance."""
    lang = canvas.lang
    manifest = results.manifest
    status = manifest.get("status")
    warned = [translate_warning(str(w), lang) for w in manifest.get("warnings") or []]
    shown_banners = list(banners)
    if status not in (None, "complete"):
        shown_banners.append(
            i18n.text("status.incomplete", lang, status=i18n.status_label(str(status), lang))
        )
    shown_banners += warned
    raw = results.raw_scenario
    name = str(raw.get("name") or manifest.get("scenario_name") or results.path.name)
    version = (manifest.get("packages") or {}).get("simdata") or _own_version()
    context = {
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "t": lambda key, **fields: i18n.text(key, lang, **fields),
        "title": name,
        "kind_label": i18n.text(f"kind.{results.kind}", lang),
        "banners": shown_banners,
        "target_count": len(_targets_of(results)),
        **_kind_content(results, canvas, chosen),
        "network": network_content(results, canvas),
        **_summary_content(chosen_rows(results.table("summary"), chosen), lang),
        "scenario_name": name,
        "scenario_description": str(raw.get("description") or ""),
        "parameters": sweep_parameters(results, _key_parameters(raw), lang),
        "scenario_yaml": results.scenario_text,
        "provenance": _provenance(manifest, lang),
        "warnings": warned,
        "footer": i18n.text(
            "footer",
            lang,
            version=version,
            path=results.path.name,
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        ),
    }
    return _environment().get_template("report.html.j2").render(context)


def _targets_of(results: Results) -> list[object]:
    """The targets of the scenario behind ``results``: its own ``scenario.yaml``, or for a
    compare (which has none) the base run's, so its page never says "no targets" when
    the runs have them."""
    targets = results.raw_scenario.get("targets")
    base = results.manifest.get("base")
    if not targets and results.kind == "compare" and isinstance(base, dict):
        path = Path(str(base.get("path") or "")) / "scenario.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
        except (OSError, yaml.YAMLError):
            data = None
        targets = data.get("targets") if isinstance(data, dict) else None
    return list(targets) if isinstance(targets, list) else []


def _kind_content(
    results: Results, canvas: Canvas, chosen: KpiFilter | None = None
) -> dict[str, Any]:
    """What the directory's kind adds: figures, the capacity sentence, extra tables, and
    for a sweep or comparison the targets' verdicts at the top (``headline_tables``)."""
    lang = canvas.lang
    raw = results.raw_scenario
    targets = {str(t.get("kpi")) for t in raw.get("targets") or [] if isinstance(t, dict)}
    plots: list[Plot] = []
    capacity_text = None
    extra_tables: list[dict[str, Any]] = []
    headline_tables: list[dict[str, Any]] = []
    if results.kind == "run":
        plots += public_data_plots(results, canvas)
        plots += identifier_plots(results, canvas)
        plots += node_plots(results, canvas)
        plots += [plot for plot in [in_system_plot(results, canvas)] if plot is not None]
    elif results.kind == "capacity":
        capacity_text = _capacity_text(results, lang)
        plots += capacity_plots(results, canvas)
    elif results.kind == "sweep":
        plots += sweep_plots(results, canvas)
        headline_tables += sweep_headline(results, lang)
        extra_tables += point_tables(results, lang)
        extra_tables += morris_table(results, lang) or _indices_table(results, lang)
    elif results.kind == "compare":
        plots += compare_plots(results, canvas, targets)
        headline_tables += compare_headline(results, lang)
        extra_tables += compare_table(results, lang, chosen)
    elif results.kind == "optimize":
        found = optimize_content(results, canvas)
        plots += found["plots"]
        headline_tables += found["headline_tables"]
        extra_tables += found["extra_tables"]
    elif results.kind == "backtest":
        found = backtest_content(results, canvas)
        plots += found["plots"]
        headline_tables += found["headline_tables"]
        extra_tables += found["extra_tables"]
    return {
        "plots": plots,
        "capacity": capacity_text,
        "extra_tables": extra_tables,
        "headline_tables": headline_tables,
    }


def _summary_content(summary: pl.DataFrame | None, lang: str) -> dict[str, Any]:
    """The verdict cards and KPI tables: the summary model's rows (per-department and
    per-node rows in folded groups of their own: a national network has thousands)."""
    rows = summary_rows(summary) if summary is not None else []
    cells = [_kpi_cells(row, lang) for row in rows]
    folded = ("department", "node")

    def group_of(row: SummaryRow) -> str | None:
        return next((d for d in folded if row.breakdown(d)), None)

    main = [cell for row, cell in zip(rows, cells, strict=True) if group_of(row) is None]
    groups = []
    for dimension in folded:
        members = [c for r, c in zip(rows, cells, strict=True) if group_of(r) == dimension]
        if members:
            groups.append({"title": i18n.DIMENSIONS[dimension][lang], "rows": members})
    return {
        "verdicts": [cell for cell in cells if cell["verdict"]],
        "kpi_rows": main,
        "kpi_groups": groups,
    }


def _own_version() -> str:
    try:
        return metadata.version("simdata")
    except metadata.PackageNotFoundError:
        return "?"


def _key_parameters(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """The key inputs as the scenario wrote them (``4/month``, ``10 workday``, ``80%``)."""
    found = []
    for path in KEY_PARAMETERS:
        value = value_at(raw, path)
        text = f"{len(value)}" if isinstance(value, list) else readable_at(raw, path)
        if text is not None:
            found.append((path, text))
    return found


def _ci_text(low: float | None, high: float | None, unit: str | None, lang: str) -> str:
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "—"
    return f"[{i18n.format_value(low, unit, lang)}, {i18n.format_value(high, unit, lang)}]"


def _kpi_cells(row: SummaryRow, lang: str) -> dict[str, Any]:
    """One summary row as the template's cells, in ``lang``."""
    unit = row.unit
    verdict = row.verdict or ""
    return {
        "kpi": row.kpi,
        "label": i18n.kpi_label(row.kpi, lang),
        "description": row.description,
        # The registry's descriptions are English: in Chinese the name is label_zh and the
        # description stays a tooltip rather than a line of English under every KPI.
        "summary_line": one_line(row.description) if lang == "en" else "",
        "mean": i18n.format_value(row.mean, unit, lang),
        "ci": _ci_text(row.ci_low, row.ci_high, unit, lang)
        + (row.level_note if row.has_ci else ""),
        "n": row.n,
        "unit": i18n.unit_label(unit, lang),
        "target": row.target or "",
        "verdict": verdict,
        "verdict_label": i18n.verdict_label(verdict, lang)
        + (f" — {i18n.text('note.tail', lang)}" if verdict and row.note else ""),
    }


def one_line(description: str) -> str:
    """The first sentence of a registry description (the table shows it under the name)."""
    text = " ".join(description.split())
    match = re.match(r"(.+?(?<!e\.g)(?<!i\.e)[.;])(\s|$)", text)
    return (match.group(1) if match else text).rstrip(";.") + "." if text else ""


def _provenance(manifest: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    git = manifest.get("git") or {}
    commit = str(git.get("commit") or "—")
    if git.get("dirty"):
        commit += " " + i18n.text("prov.dirty", lang)
    argv = manifest.get("argv")
    items = [
        ("prov.status", i18n.status_label(str(manifest.get("status") or ""), lang)),
        ("prov.seed", manifest.get("root_seed")),
        ("prov.replications", manifest.get("replications")),
        ("prov.version", (manifest.get("packages") or {}).get("simdata")),
        ("prov.commit", commit),
        ("prov.started", manifest.get("started_utc")),
        ("prov.finished", manifest.get("finished_utc")),
        ("prov.sha", manifest.get("scenario_sha256")),
        ("prov.command", " ".join(str(a) for a in argv) if isinstance(argv, list) else argv),
    ]
    shown = [(i18n.text(key, lang), "—" if v in (None, "") else str(v)) for key, v in items]
    return shown + _warmup_item(manifest.get("warmup"), lang)


def _warmup_item(warmup: object, lang: str) -> list[tuple[str, str]]:
    """``run.warmup: auto``: the median and range of the replications' MSER-5 cuts."""
    if not isinstance(warmup, dict):
        return []
    cut = {key: warmup.get(f"{key}_s") for key in ("median", "min", "max")}
    text = {
        key: i18n.format_value(float(v), "s", lang) if isinstance(v, int | float) else "—"
        for key, v in cut.items()
    }
    line = i18n.text(
        "prov.warmup_auto", lang, median=text["median"], low=text["min"], high=text["max"]
    )
    return [(i18n.text("prov.warmup", lang), line)]


def _capacity_text(results: Results, lang: str) -> str:
    capacity = results.json("capacity.json") or {}
    status = str(capacity.get("status") or "found")
    sla = capacity.get("sla")
    sla_text = sla if isinstance(sla, str) else (str(capacity_sla(capacity) or "") or "—")

    def rate(key: str) -> str:
        value = capacity.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return i18n.format_value(float(value), "1/s", lang)
        return "—"

    if status in ("below_range", "above_range"):
        return i18n.text(f"capacity.{status}", lang, sla=sla_text)
    found = i18n.text(
        "capacity.found",
        lang,
        capacity=rate("capacity"),
        low=rate("ci_low"),
        high=rate("ci_high"),
        conservative=rate("capacity_conservative"),
        sla=sla_text,
    )
    return ("" if lang == "zh" else " ").join([found, *_capacity_mix_text(capacity, lang)])


def _capacity_mix_text(capacity: dict[str, Any], lang: str) -> list[str]:
    """The mix at capacity and the design day, as ``capacity.json`` records them (neither
    in directories written before 2026-12)."""
    mix = capacity.get("mix")
    if not isinstance(mix, dict):
        return []

    def value(key: str, unit: str) -> str:
        number = mix.get(key)
        if isinstance(number, bool) or not isinstance(number, int | float):
            return "—"
        return i18n.format_value(float(number), unit, lang)

    shares = {k: value(f"write_share{k}", "fraction") for k in ("", "_min", "_max")}
    sentences = [
        i18n.text(
            "capacity.mix",
            lang,
            resolutions=value("resolutions_per_s", "1/s"),
            writes=value("writes_per_s", "1/s"),
            share=shares[""],
            low=shares["_min"],
            high=shares["_max"],
        )
    ]
    rule, days = capacity.get("design_day"), capacity.get("mix_days")
    if isinstance(rule, str) and isinstance(days, int):
        key = f"capacity.rule.{rule}" if rule in ("busiest", "final") else "capacity.rule.date"
        per = capacity.get("per_replication")
        dates = sorted(
            str(r["design_date"]) for r in (per if isinstance(per, list) else [])
            if isinstance(r, dict) and r.get("design_date")
        )  # fmt: skip
        span = "—" if not dates else f"{dates[0]} – {dates[-1]}"
        span = dates[0] if dates and dates[0] == dates[-1] else span
        rule_text = i18n.text(key, lang, days=days, date=rule)
        sentences.append(
            i18n.text("capacity.design_day", lang, rule=rule_text, dates=span, days=days)
        )
    return sentences


def _g3(value: float, lang: str) -> str:
    """Three significant digits, never an exponent (``{:.3g}`` wrote ``8e-05``)."""
    return plain_number(float(value), lang, digits=3)


def _indices_table(results: Results, lang: str) -> list[dict[str, Any]]:
    indices = results.table("indices")
    if indices is None or not {"kpi", "parameter", "index", "value"} <= set(indices.columns):
        return []
    order = {kpi: i for i, kpi in enumerate(sweep_kpis(results))}
    rows = []
    for row in indices.sort(pl.col("kpi").replace_strict(order, default=len(order))).iter_rows(
        named=True
    ):
        low, high = row.get("ci_low"), row.get("ci_high")
        ci = "—" if low is None or high is None else f"[{_g3(low, lang)}, {_g3(high, lang)}]"
        near = i18n.text("near_zero", lang) if row.get("near_zero") else ""
        rows.append(
            [
                i18n.kpi_label(str(row["kpi"]), lang),
                lever_label(str(row["parameter"]), lang),
                str(row["index"]),
                "—" if row["value"] is None else _g3(row["value"], lang),
                ci,
                near,
            ]
        )
    header = [
        i18n.text("col.kpi", lang),
        i18n.text("col.parameter", lang),
        i18n.text("col.index", lang),
        i18n.text("col.value", lang),
        i18n.text("col.ci", lang),
        "",
    ]
    table: dict[str, Any] = {"title": i18n.text("sweep.indices", lang), "header": header}
    if NOISE_LEVER in set(indices["parameter"].to_list()):
        table["note"] = i18n.text("near_zero.note", lang)
    return [{**table, "rows": rows}]
