"""The summary of a run: one row per KPI — mean, CI, n, target, verdict — and its view.

:func:`summary_frame` turns the long KPI table (``replication, kpi, value``) into
``summary.parquet``: every KPI summarised over replications (:func:`stats.summarise`; a
quantile KPI pooled over them, :mod:`simdata.analysis.quantiles`), its unit from the
registry, the scenario's targets on it and their combined verdict, in registry order.
:class:`RunSummary` is that table read back as typed rows with the run's warnings,
``--until-decided`` looks and failed replications: the one model the terminal table,
``summary.md`` and the HTML report each render.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from simdata import kpi_names
from simdata.analysis.busiest import Busiest
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.quantiles import summarise_quantiles
from simdata.analysis.stats import CONFIDENCE, Estimate, summarise
from simdata.analysis.targets import combine, judge
from simdata.results.manifest import Failure, LookRecord
from simdata.scenario.models import Target

#: ``summary.parquet``'s columns, in order.
SUMMARY_SCHEMA = {
    "kpi": pl.String,
    "unit": pl.String,
    "mean": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "std": pl.Float64,
    "n": pl.Int64,
    "target": pl.String,
    "verdict": pl.String,
    "ci_level": pl.Float64,
    "ci_method": pl.String,
    "note": pl.String,
}
#: ``ci_method`` of a mean over replications, by interval.
MEAN_METHODS = {
    "t": "Student-t over replications",
    "hall": "Hall's skewness-corrected t over replications",
}
#: ``ci_method`` of a quantile KPI pooled over replications.
POOLED_METHOD = "pooled quantile of all replications' values, sectioning CI over replications"


def summary_frame(
    kpis: pl.DataFrame,
    targets: Sequence[Target],
    *,
    histograms: pl.DataFrame | None = None,
    target_confidence: float | None = None,
    target_method: str | None = None,
    target_interval: str = "hall",
) -> pl.DataFrame:
    """``summary.parquet`` from the long KPI table, the quantile KPIs' sample histograms
    (``histograms.parquet``; without them a quantile is the mean of the replications'
    own) and the scenario's targets.

    Every CI is at 95 % unless ``target_confidence`` is given (``--until-decided``): the
    targeted KPIs then carry the interval the sequential rule decided with — its
    ``target_interval`` (``hall``) at its level — so the verdict shown is the rule's own: a
    target the rule left open at the cap is undecided, never re-judged at 95 %.
    ``ci_level`` and ``ci_method`` say which; ``note`` says why a KPI cannot be judged (the
    tail guard of :mod:`simdata.analysis.quantiles`).
    """
    summary = estimates(kpis, histograms, CONFIDENCE)
    targeted_names = {t.kpi for t in targets}
    if target_confidence is not None and targeted_names:
        chosen = kpis.filter(pl.col("kpi").is_in(list(targeted_names)))
        at_rule = estimates(
            chosen, histograms, target_confidence, target_method, interval=target_interval
        )
        summary = pl.concat(
            [summary.filter(~pl.col("kpi").is_in(at_rule["kpi"].to_list())), at_rule]
        )
    summary = _judged(summary, targets)
    order = {name: i for i, name in enumerate(REGISTRY)}
    summary = summary.with_columns(
        pl.col("kpi")
        .map_elements(lambda k: order.get(kpi_names.base_of(k), len(order)), return_dtype=pl.Int64)
        .alias("_order")
    ).sort("_order", "kpi")
    # A KPI undefined in every replication (e.g. an outlay with no amount given) is left
    # out of the summary unless a target names it; kpis.parquet keeps its NaN values.
    summary = summary.filter((pl.col("n") > 0) | pl.col("target").is_not_null())
    return summary.select(list(SUMMARY_SCHEMA))


def _judged(summary: pl.DataFrame, targets: Sequence[Target]) -> pl.DataFrame:
    """The summary with a row for every targeted KPI (n = 0 when no replication produced
    it), each row's unit, its targets' text and their combined verdict — undecided when a
    note says the KPI cannot be judged."""
    targeted_names = {t.kpi for t in targets}
    present = set(summary["kpi"].to_list())
    missing = [name for name in targeted_names if name not in present]
    if missing:
        filler = pl.DataFrame(
            {"kpi": missing, "n": [0] * len(missing)}, schema={"kpi": pl.String, "n": pl.Int64}
        )
        summary = pl.concat([summary, filler], how="diagonal_relaxed")
    targets_text, verdicts, units = [], [], []
    for row in summary.iter_rows(named=True):
        kpi = REGISTRY.get(kpi_names.base_of(row["kpi"]))
        units.append(kpi.unit if kpi else None)
        estimate = Estimate(row["mean"], row["ci_low"], row["ci_high"], row["std"], row["n"])
        mine = [t for t in targets if t.kpi == row["kpi"]]
        targets_text.append(" and ".join(t.describe() for t in mine) if mine else None)
        verdict = combine(judge(t, estimate) for t in mine) if mine else None
        verdicts.append("undecided" if verdict and row["note"] else verdict)
    summary = summary.with_columns(
        pl.Series("unit", units, dtype=pl.String),
        pl.Series("target", targets_text, dtype=pl.String),
        pl.Series("verdict", verdicts, dtype=pl.String),
    )
    return summary


def estimates(
    kpis: pl.DataFrame,
    histograms: pl.DataFrame | None,
    confidence: float,
    note: str | None = None,
    *,
    interval: str = "hall",
) -> pl.DataFrame:
    """One row per KPI of ``kpis`` at ``confidence``: the mean over replications with Hall's
    skewness-corrected t (``interval="hall"``, the default: replication means of short-run
    waits and of rare shares are skewed, and the plain t then under-covers — 0.86 for an
    M/M/1/20 blocking share, 0.945 with Hall's) or the Student-t (``"t"``), or a
    quantile KPI's pooled estimate and sectioning CI when its histograms are given;
    clipped to the KPI's bounds, with ``ci_level``, ``ci_method`` and the tail ``note``.
    ``note`` (the sequential rule's) is appended to each method."""
    summary = summarise(kpis, confidence, interval).with_columns(
        pl.lit(None, dtype=pl.String).alias("note"), pl.lit(False).alias("_pooled")
    )
    if histograms is not None:
        pooled = summarise_quantiles(kpis, histograms, confidence).with_columns(
            pl.lit(True).alias("_pooled")
        )
        summary = pl.concat([summary.filter(~pl.col("kpi").is_in(pooled["kpi"].to_list())), pooled])
    return _with_method(_inside_bounds(summary), confidence, note, interval).drop("_pooled")


def _with_method(
    summary: pl.DataFrame, level: float, note: str | None, interval: str = "t"
) -> pl.DataFrame:
    """The ``ci_level`` and ``ci_method`` columns: the mean's interval over replications or
    a pooled quantile's sectioning interval, clipped to the KPI's bounds (docs/statistics.md), with
    the sequential rule's note if any."""
    methods = []
    for name, pooled in summary.select("kpi", "_pooled").iter_rows():
        kpi = REGISTRY.get(kpi_names.base_of(name))
        method = POOLED_METHOD if pooled else MEAN_METHODS[interval]
        if kpi is not None:
            method += ", clipped to [0, 1]" if kpi.bounds[1] == 1.0 else ", clipped at 0"
        methods.append(method if note is None else f"{method}; {note}")
    return summary.with_columns(
        pl.lit(level, dtype=pl.Float64).alias("ci_level"),
        pl.Series("ci_method", methods, dtype=pl.String),
    )


def _inside_bounds(summary: pl.DataFrame) -> pl.DataFrame:
    """CIs clipped to what the KPI can take ([0, 1] for shares, ≥ 0 otherwise):
    a share's CI of [63.5 %, 116.8 %] becomes [63.5 %, 100 %]. Clipping only removes
    impossible values, so the coverage of the true value is unchanged (docs/statistics.md)."""
    bounds = [
        kpi.bounds if (kpi := REGISTRY.get(kpi_names.base_of(name))) else (-math.inf, math.inf)
        for name in summary["kpi"].to_list()
    ]
    low = pl.Series([b[0] for b in bounds], dtype=pl.Float64)
    high = pl.Series([b[1] for b in bounds], dtype=pl.Float64)
    return summary.with_columns(
        pl.col("ci_low").clip(lower_bound=low, upper_bound=high),
        pl.col("ci_high").clip(lower_bound=low, upper_bound=high),
    )


def guard_warnings(summary: pl.DataFrame) -> list[str]:
    """One warning per target that a note keeps undecided (the quantile tail guard), with
    the detail: how many values lie beyond the quantile and how many are needed."""
    noted = summary.filter(pl.col("target").is_not_null() & pl.col("note").is_not_null())
    return [
        f"{row['kpi']} {row['target']}: undecided — {row['note']}"
        for row in noted.iter_rows(named=True)
    ]


def _number(value: object) -> float | None:
    """A float cell, ``None`` for null or NaN (shown as a dash by every renderer)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]  # a Float64 cell
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class SummaryRow:
    """One KPI of the summary, as every renderer shows it (values SI, ``None`` = undefined)."""

    kpi: str
    unit: str | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    target: str | None = None
    verdict: str | None = None
    #: The CI's level and method, where ``summary.parquet`` records them.
    ci_level: float | None = None
    ci_method: str | None = None
    #: Why the KPI cannot be judged (e.g. too few tail samples), or ``None``.
    note: str | None = None

    @property
    def name(self) -> kpi_names.KpiName:
        return kpi_names.parse(self.kpi)

    @property
    def description(self) -> str:
        kpi = REGISTRY.get(kpi_names.base_of(self.kpi))
        return kpi.description if kpi is not None else ""

    @property
    def reason(self) -> str:
        """The note without its detail (``too few tail samples — lengthen run.horizon``),
        or ``""``; the run's warnings carry the whole note."""
        return (self.note or "").split(" (", 1)[0]

    @property
    def verdict_text(self) -> str:
        """The verdict with its reason when a note decided it (``undecided: too few tail
        samples — lengthen run.horizon``)."""
        verdict = self.verdict or ""
        return f"{verdict}: {self.reason}" if verdict and self.note else verdict

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    @property
    def level_note(self) -> str:
        """`` (99.17 %)`` when the CI is not at the table's 95 % (a sequential verdict)."""
        if self.ci_level is None or math.isclose(self.ci_level, CONFIDENCE):
            return ""
        return f" ({self.ci_level:.2%})"

    def breakdown(self, dimension: str) -> str | None:
        """The value of one breakdown of this KPI (``department`` …), if it has it (a name
        outside the KPI grammar, e.g. in a hand-made table, has none)."""
        try:
            return self.name.breakdowns.get(dimension)
        except ValueError:
            return None


def summary_rows(summary: pl.DataFrame) -> list[SummaryRow]:
    """``summary.parquet``'s rows as :class:`SummaryRow` (missing optional columns: ``None``)."""
    rows = []
    for row in summary.iter_rows(named=True):
        level = row.get("ci_level")
        rows.append(
            SummaryRow(
                kpi=str(row["kpi"]),
                unit=row.get("unit"),
                mean=_number(row.get("mean")),
                ci_low=_number(row.get("ci_low")),
                ci_high=_number(row.get("ci_high")),
                n=int(row.get("n") or 0),
                target=row.get("target") or None,
                verdict=row.get("verdict") or None,
                ci_level=None if level is None else float(level),
                ci_method=row.get("ci_method"),
                note=row.get("note") or None,
            )
        )
    return rows


@dataclass(frozen=True)
class RunSummary:
    """What a planner reads first about a run: the KPI rows and what qualifies them."""

    title: str
    description: str
    replications: int
    root_seed: int
    rows: list[SummaryRow]
    warnings: list[str] = field(default_factory=list)
    looks: list[LookRecord] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    #: The busiest department, named only when the replications agree (None: no breakdown).
    busiest_department: Busiest | None = None

    def verdicts(self) -> list[str]:
        """The verdicts of the targeted KPIs, in row order."""
        return [row.verdict for row in self.rows if row.verdict]

    def busiest(self, base: str, dimension: str) -> tuple[str, float] | None:
        """The breakdown value of ``base`` with the highest mean (e.g. the department whose
        reviewers are busiest), or ``None`` when the run has no such breakdown."""
        found = [
            (value, row.mean)
            for row in self.rows
            if kpi_names.base_of(row.kpi) == base
            and (value := row.breakdown(dimension)) is not None
            and row.mean is not None
        ]
        return max(found, key=lambda item: item[1], default=None)
