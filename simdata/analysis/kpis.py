"""The KPI registry: every KPI declared once, with its unit, direction and meaning.

Names follow ``<area>.<measure>_<stat>`` (breakdowns append ``@<dimension>=<value>``);
values are SI (seconds, per second, fractions 0–1, counts). Each KPI is a polars
expression over one frame of a replication, evaluated for the measured window: arrivals in
``[warmup, horizon)``, drained after the horizon; time averages over ``[warmup, horizon)``.

A quantile KPI is the replication's empirical quantile (linear interpolation); its summary
is the mean over replications, which estimates a replication's quantile, not the quantile
of all replications pooled. ``docs/kpis.md`` is generated from this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from simdata.model.world import Simulated, Window

Better = Literal["lower", "higher", "neither"]
#: KPI units: seconds, per second, fraction in [0, 1], count.
UNITS = ("s", "1/s", "fraction", "count")

ExprFactory = Callable[[Window], pl.Expr]


@dataclass(frozen=True)
class Kpi:
    """One registered KPI: what it measures and how to compute it from a frame."""

    name: str
    unit: str
    better: Better
    description: str
    label_zh: str
    frame: str
    expr: ExprFactory


REGISTRY: dict[str, Kpi] = {}


def register(kpi: Kpi) -> Kpi:
    if kpi.name in REGISTRY:
        raise ValueError(f"KPI {kpi.name} registered twice")
    if kpi.unit not in UNITS:
        raise ValueError(f"KPI {kpi.name}: unit {kpi.unit!r} not among {UNITS}")
    REGISTRY[kpi.name] = kpi
    return kpi


def kpi_units() -> dict[str, str]:
    """KPI name → unit, for checking targets when a scenario is loaded."""
    return {name: kpi.unit for name, kpi in REGISTRY.items()}


# --- resolution node -------------------------------------------------------------------

_arrival = pl.col("arrival_s")
_start = pl.col("start_s")
_end = pl.col("end_s")
_admitted = pl.col("admitted")


def _measured(w: Window) -> pl.Expr:
    return (_arrival >= w.start_s) & (_arrival < w.end_s)


def _served(w: Window) -> pl.Expr:
    return _measured(w) & _admitted


def _overlap(lo: pl.Expr, hi: pl.Expr, w: Window) -> pl.Expr:
    """Length of [lo, hi) ∩ [warmup, horizon), 0 when disjoint (NaN hi counts as open)."""
    upper = pl.min_horizontal(hi.fill_nan(w.end_s), pl.lit(w.end_s))
    lower = pl.max_horizontal(lo, pl.lit(w.start_s))
    return (upper - lower).clip(lower_bound=0.0)


def _sojourn_quantile(q: float) -> ExprFactory:
    return lambda w: (_end - _arrival).filter(_served(w)).quantile(q, "linear")


_RESOLUTION = [
    Kpi(
        "resolution.arrivals_count",
        "count",
        "neither",
        "Resolution requests arriving in the measured window (admitted or rejected).",
        "解析请求到达数",
        "requests",
        lambda w: _measured(w).sum().cast(pl.Float64),
    ),
    Kpi(
        "resolution.wait_mean",
        "s",
        "lower",
        "Mean time an admitted request waits for a server.",
        "平均排队等待时间",
        "requests",
        lambda w: (_start - _arrival).filter(_served(w)).mean(),
    ),
    Kpi(
        "resolution.sojourn_mean",
        "s",
        "lower",
        "Mean time from arrival to answer (wait + service) of admitted requests.",
        "平均解析时延",
        "requests",
        lambda w: (_end - _arrival).filter(_served(w)).mean(),
    ),
    Kpi(
        "resolution.sojourn_p50",
        "s",
        "lower",
        "Median time in the node of admitted requests (per-replication quantile).",
        "解析时延中位数",
        "requests",
        _sojourn_quantile(0.50),
    ),
    Kpi(
        "resolution.sojourn_p99",
        "s",
        "lower",
        "99th percentile of time in the node of admitted requests (per-replication).",
        "解析时延第99百分位",
        "requests",
        _sojourn_quantile(0.99),
    ),
    Kpi(
        "resolution.queue_mean",
        "count",
        "lower",
        "Time-average number of requests waiting (not in service) over the window.",
        "平均排队请求数",
        "requests",
        lambda w: _overlap(_arrival, _start, w).filter(_admitted).sum() / w.length_s,
    ),
    Kpi(
        "resolution.utilisation",
        "fraction",
        "neither",
        "Share of server time busy over the window (busy time / servers / window).",
        "服务器利用率",
        "requests",
        lambda w: _overlap(_start, _end, w).filter(_admitted).sum() / (w.servers * w.length_s),
    ),
    Kpi(
        "resolution.throughput",
        "1/s",
        "higher",
        "Requests answered per second within the window.",
        "解析吞吐量（每秒）",
        "requests",
        lambda w: ((_end >= w.start_s) & (_end < w.end_s)).sum() / w.length_s,
    ),
    Kpi(
        "resolution.rejected_share",
        "fraction",
        "lower",
        "Share of arrivals rejected because the node held queue_limit requests.",
        "拒绝请求占比",
        "requests",
        lambda w: 1.0 - _admitted.filter(_measured(w)).mean().cast(pl.Float64),
    ),
]

for _kpi in _RESOLUTION:
    register(_kpi)


def compute_kpis(simulated: Simulated) -> dict[str, float]:
    """Every registered KPI whose frame the replication produced, as floats (NaN if empty)."""
    values: dict[str, float] = {}
    by_frame: dict[str, list[Kpi]] = {}
    for kpi in REGISTRY.values():
        by_frame.setdefault(kpi.frame, []).append(kpi)
    for frame_name, kpis in by_frame.items():
        frame = simulated.frames.get(frame_name)
        if frame is None:
            continue
        row = frame.select(
            [kpi.expr(simulated.window).cast(pl.Float64).alias(kpi.name) for kpi in kpis]
        ).row(0, named=True)
        for name, value in row.items():
            values[name] = float("nan") if value is None else float(value)
    return values


def kpis_markdown() -> str:
    """``docs/kpis.md``: every registered KPI (a test fails when the page is stale)."""
    lines = [
        "# KPI reference",
        "",
        "Generated from `simdata/analysis/kpis.py` by `python -m simdata.analysis.kpis` "
        "(a test fails when this page is stale).",
        "",
        "Values are SI: seconds (`s`), per second (`1/s`), fractions 0–1, counts. Each KPI "
        "is computed per replication over the measured window — arrivals in "
        "`[warmup, horizon)`, drained after the horizon; time averages over "
        "`[warmup, horizon)` — and summarised as the mean over replications with a 95% "
        "Student-t CI. Quantile KPIs (`_p50`, `_p99`) are per-replication empirical "
        "quantiles: the summary estimates a replication's quantile, not a pooled one.",
        "",
        "| KPI | unit | better | 中文 | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kpi in REGISTRY.values():
        lines.append(
            f"| `{kpi.name}` | {kpi.unit} | {kpi.better} | {kpi.label_zh} | {kpi.description} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(kpis_markdown(), end="")
