"""The KPI registry: every KPI declared once, with its unit, direction and meaning.

Names follow ``<area>.<measure>_<stat>`` (breakdowns append ``@<dimension>=<value>``);
values are SI (seconds, per second, fractions 0–1, counts). Each KPI is a polars
expression over one frame of a replication, evaluated for the measured window: arrivals in
``[warmup, horizon)``, drained after the horizon; time averages over ``[warmup, horizon)``.

A quantile KPI (``quantile`` set) is, per replication, the replication's empirical quantile
(linear interpolation); its *summary* is the quantile of every replication's values pooled,
from the histograms of its ``sample`` (:mod:`simdata.analysis.quantiles`), whose bias
shrinks with the whole run rather than one replication. ``docs/kpis.md`` is generated from
this registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from simdata import kpi_names
from simdata.model.frames import Frame
from simdata.model.world import Simulated, Window

Better = Literal["lower", "higher", "neither"]
#: KPI units: seconds, per second, fraction in [0, 1], count, working days (office days),
#: yuan (money: subsidy outlays, shown as 元, never as a count).
UNITS = ("s", "1/s", "fraction", "count", "workday", "yuan")

ExprFactory = Callable[[Window], pl.Expr]


@dataclass(frozen=True)
class Kpi:
    """One registered KPI: what it measures and how to compute it from a frame.

    ``by`` lists the breakdowns: ``None`` is the KPI over the whole frame, a column name
    adds one KPI per value of that column, named ``<name>@<column>=<value>``; ``values``
    restricts which values get one (e.g. only channels with an SLA).
    """

    name: str
    unit: str
    better: Better
    description: str
    label_zh: str
    frame: Frame
    expr: ExprFactory
    by: tuple[str | None, ...] = (None,)
    values: tuple[str, ...] | None = None
    #: Over a subset of units a variant can change (e.g. qualifiers only): compare says no better.
    conditional: bool = False
    #: A quantile KPI's level q, and the expression of the values it is the q-quantile of
    #: (one per measured unit, ≥ 0): their histograms are pooled over replications.
    quantile: float | None = None
    sample: ExprFactory | None = None
    #: The frame the sample is evaluated on, when not ``frame`` (e.g. per enterprise).
    sample_frame: Frame | None = None
    #: Computed from a component's statistics (the network's nodes), not from ``frame``'s
    #: rows; ``frame`` then only says whether the replication produces the KPI.
    from_statistics: bool = False
    #: Breakdowns every name of this form carries after its own (``by``), in this fixed
    #: order: ``(("window", "peak_hour"),)`` makes ``…@node=fuzhou@window=peak_hour``.
    suffix: tuple[tuple[str, str], ...] = ()

    @property
    def sample_name(self) -> str:
        """The key of a quantile KPI's sample histograms: the name without its ``_pNN``
        statistic (``resolution.latency`` for ``resolution.latency_p99``), shared by every
        quantile of the same values."""
        return self.name.rsplit("_p", 1)[0]

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the KPI can take: a share lies in [0, 1]; durations, rates, counts
        and working days are ≥ 0. Its CIs are kept inside (issue 12 §3)."""
        return (0.0, 1.0) if self.unit == "fraction" else (0.0, math.inf)


REGISTRY: dict[str, Kpi] = {}
#: Further ways of computing a registered KPI from another frame, always broken down (e.g.
#: latency from sampled peak-hour windows: ``resolution.latency_p99@window=peak_hour``).
VARIANTS: list[Kpi] = []


def register(kpi: Kpi) -> Kpi:
    if kpi.name in REGISTRY:
        raise ValueError(f"KPI {kpi.name} registered twice")
    if kpi.unit not in UNITS:
        raise ValueError(f"KPI {kpi.name}: unit {kpi.unit!r} not among {UNITS}")
    _check_quantile(kpi)
    REGISTRY[kpi.name] = kpi
    return kpi


def register_variant(kpi: Kpi) -> Kpi:
    """Register another frame's computation of an already registered KPI (broken down)."""
    base = REGISTRY.get(kpi.name)
    if base is None or base.unit != kpi.unit or None in kpi.by or base.quantile != kpi.quantile:
        raise ValueError(
            f"variant {kpi.name}: needs a registered KPI of the same unit and quantile, "
            "and a breakdown"
        )
    _check_quantile(kpi)
    VARIANTS.append(kpi)
    return kpi


def _check_quantile(kpi: Kpi) -> None:
    """A quantile KPI has a level in (0, 1), a sample to pool and a ``_pNN`` name."""
    if kpi.quantile is None:
        return
    if not 0 < kpi.quantile < 1 or kpi.sample is None or kpi.sample_name == kpi.name:
        raise ValueError(f"KPI {kpi.name}: a quantile needs q in (0, 1), a sample, a _pNN name")


def kpi_units() -> dict[str, str]:
    """KPI name → unit, for checking targets when a scenario is loaded."""
    return {name: kpi.unit for name, kpi in REGISTRY.items()}


def _as_float(value: object) -> float:
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


def compute_kpis(simulated: Simulated) -> dict[str, float]:
    """Every registered KPI whose frame the replication produced, as floats (NaN if empty).

    KPIs of one frame are evaluated together: one ``select`` for the whole-frame values
    and one ``group_by`` per breakdown column.
    """
    statistics = simulated.node_statistics
    values: dict[str, float] = (
        {} if statistics is None else _resolution_kpis.kpis_from_statistics(statistics)
    )
    values.update(_network_kpis.network_kpis(simulated))
    plan: dict[tuple[str, str | None], list[Kpi]] = {}
    for kpi in (*REGISTRY.values(), *VARIANTS):
        if kpi.from_statistics:
            continue
        for dimension in kpi.by:
            plan.setdefault((kpi.frame.name, dimension), []).append(kpi)
    window = simulated.window
    for (frame_name, dimension), kpis in plan.items():
        frame = simulated.frames.get(frame_name)
        if frame is None:
            continue
        exprs = [kpi.expr(window).cast(pl.Float64).alias(kpi.name) for kpi in kpis]
        if dimension is None:
            for name, value in frame.select(exprs).row(0, named=True).items():
                values[name] = _as_float(value)
            continue
        grouped = frame.group_by(dimension).agg(exprs).sort(dimension)
        for row in grouped.iter_rows(named=True):
            if row[dimension] is None:
                continue  # a row outside every group (e.g. a period the run does not end)
            for kpi in kpis:
                if kpi.values is None or row[dimension] in kpi.values:
                    values[kpi_names.format(kpi.name, [(dimension, row[dimension])])] = _as_float(
                        row[kpi.name]
                    )
    return values


def kpis_markdown() -> str:
    """``docs/kpis.md``: every registered KPI (a test fails when the page is stale)."""
    lines = [
        "# KPI reference",
        "",
        "Generated from `simdata/analysis/kpis.py` by `python -m simdata.reference_docs` "
        "(a test fails when this page is stale).",
        "",
        "Values are SI: seconds (`s`), per second (`1/s`), fractions 0–1, counts, money in "
        "元 (`yuan`). Each KPI "
        "is computed per replication over the measured window — arrivals in "
        "`[warmup, horizon)`, drained after the horizon; time averages over "
        "`[warmup, horizon)` — and summarised as the mean over replications with a 95% "
        "skewness-corrected t CI (Hall 1992), clipped to what the KPI can take ([0, 1] for "
        "shares, ≥ 0 otherwise; docs/statistics.md). Quantile KPIs (`_p50`, `_p90`, "
        "`_p99`) are summarised as the quantile of all replications' values pooled, with a "
        "sectioning CI, and are undecided when a replication holds too few values beyond "
        "the quantile.",
        "",
        "Breakdowns: a name is `<area>.<measure>_<stat>` followed by breakdowns "
        "`@dimension=value`, parsed in `simdata/kpi_names.py`. A KPI takes one breakdown, "
        "except the composed forms listed below, whose fixed breakdowns follow in this "
        "order: the node first, then the window (`resolution.utilisation@node=fuzhou"
        "@window=peak_hour`, the busiest whole clock hour of a network node).",
        "",
        "| KPI | unit | better | 中文 | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kpi in REGISTRY.values():
        breakdowns = [d for d in kpi.by if d is not None]
        also = f" Also `@{'`, `@'.join(d + '=…' for d in breakdowns)}`." if breakdowns else ""
        if kpi.values is not None:
            also += f" Values: {', '.join(kpi.values)}."
        for variant in (v for v in VARIANTS if v.name == kpi.name):
            fixed = "".join(f"@{d}={v}" for d, v in variant.suffix)
            dims = ", ".join(f"`@{d}=…{fixed}`" for d in variant.by if d is not None)
            also += f" Also {dims} from `{variant.frame.name}`."
        lines.append(
            f"| `{kpi.name}` | {kpi.unit} | {kpi.better} | {kpi.label_zh} | "
            f"{kpi.description}{also} |"
        )
    return "\n".join(lines) + "\n"


# The definitions register themselves on import. The identifier KPIs import the resolution
# KPIs first (their windows are variants of them), so the registry — and docs/kpis.md —
# reads resolution, identifiers, public data.
# isort: off
from simdata.analysis.identifiers import kpis as _identifier_kpis  # noqa: E402, F401
from simdata.analysis.public_data import kpis as _public_data_kpis  # noqa: E402, F401
from simdata.analysis.resolution import kpis as _resolution_kpis  # noqa: E402
from simdata.analysis.network import kpis as _network_kpis  # noqa: E402
from simdata.analysis.network import economy as _network_economy  # noqa: E402, F401
# isort: on
