"""KPIs of the identifier-resolution node, each defined once for both engines.

Two families: the **queue** KPIs (wait, sojourn, queue, utilisation, throughput,
rejections) measure the secondary node's servers, from a request's arrival *at the node*
(after any top-level lookup) and over requests that reached it; the **path** KPIs
(``latency_*``, ``sla_share``, ``failed_share``, ``cache_hit_share``) measure end-to-end
latency from the client's request to its answer, over every request. The measured window
is by the client's arrival time.

Each :class:`Definition` holds one registry entry (name, unit, meaning, label) with its
two ways of being computed: from the event engine's **exact values** (a polars expression
over the frame ``requests``, one row per request, the :class:`~simdata.analysis.kpis.Kpi`
the registry evaluates) and from the batched engine's **sufficient statistics**
(:class:`~simdata.model.resolution.statistics.NodeStatistics`: counts by outcome, sums,
time integrals, merged histograms; :func:`kpis_from_statistics`). Each engine's numbers
are what they were before the two were joined: empirical quantiles for the one, histogram
quantiles (< 1 %) for the other. Outcomes follow :mod:`simdata.model.resolution.rules`:
``failed_share`` is the timed-out share; rejections are in ``rejected_share``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from simdata.analysis.kpis import ExprFactory, Kpi, register, register_variant
from simdata.engine import histogram
from simdata.model.frames import NODE_HOURS, NODE_REQUESTS
from simdata.model.resolution.statistics import NodeStatistics
from simdata.model.world import Window
from simdata.scenario.resolution import LATENCY_PERCENTILES

FromStatistics = Callable[[NodeStatistics], float]


@dataclass(frozen=True)
class Definition:
    """One resolution KPI: its registry entry (exact values) and its batched form."""

    kpi: Kpi
    from_statistics: FromStatistics


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def _histogram_quantile(which: str, q: float) -> FromStatistics:
    """The ``q``-quantile of the statistics' ``latency`` or ``sojourn`` histogram."""

    def quantile(statistics: NodeStatistics) -> float:
        counts = statistics.latency if which == "latency" else statistics.sojourn
        return histogram.quantile(counts, q) if histogram.count(counts) else math.nan

    return quantile


_arrival = pl.col("arrival_s")
_node_arrival = pl.col("node_arrival_s")
_latency_s = pl.col("latency_s")
_hit = pl.col("cache_hit")
_start = pl.col("start_s")
_end = pl.col("end_s")
_admitted = pl.col("admitted")


def _measured(w: Window) -> pl.Expr:
    """Resolutions issued in the window; registration writes load the servers (queue,
    utilisation) but are not resolutions."""
    return (_arrival >= w.start_s) & (_arrival < w.end_s) & ~pl.col("write")


def _served(w: Window) -> pl.Expr:
    return _measured(w) & _admitted


def _overlap(lo: pl.Expr, hi: pl.Expr, w: Window) -> pl.Expr:
    """Length of [lo, hi) ∩ [warmup, horizon), 0 when disjoint (NaN hi counts as open)."""
    upper = pl.min_horizontal(hi.fill_nan(w.end_s), pl.lit(w.end_s))
    lower = pl.max_horizontal(lo, pl.lit(w.start_s))
    return (upper - lower).clip(lower_bound=0.0)


def _sojourn(w: Window) -> pl.Expr:
    return (_end - _node_arrival).filter(_served(w))


def _sojourn_quantile(q: float) -> ExprFactory:
    return lambda w: _sojourn(w).quantile(q, "linear")


def _answered(w: Window) -> pl.Expr:
    """Measured requests with an answer (cache hit, served or timed out; not rejected)."""
    return _measured(w) & _latency_s.is_not_nan()


def _latency(w: Window) -> pl.Expr:
    return _latency_s.filter(_answered(w))


def _latency_quantile(q: float) -> ExprFactory:
    return lambda w: _latency(w).quantile(q, "linear")


_RESOLUTION: list[Definition] = [
    Definition(
        Kpi(
            "resolution.arrivals_count",
            "count",
            "neither",
            "Resolution requests issued in the measured window (cache hits, admitted or rejected).",
            "解析请求到达数",
            NODE_REQUESTS,
            lambda w: _measured(w).sum().cast(pl.Float64),
        ),
        lambda s: s.measured,
    ),
    Definition(
        Kpi(
            "resolution.wait_mean",
            "s",
            "lower",
            "Mean time an admitted request waits for a server (from its arrival at the node).",
            "平均排队等待时间",
            NODE_REQUESTS,
            lambda w: (_start - _node_arrival).filter(_served(w)).mean(),
        ),
        lambda s: _ratio(s.wait_sum, s.admitted),
    ),
    Definition(
        Kpi(
            "resolution.sojourn_mean",
            "s",
            "lower",
            "Mean time in the node (wait + service) of admitted requests; end-to-end latency "
            "is resolution.latency_mean.",
            "节点内平均逗留时间",
            NODE_REQUESTS,
            lambda w: (_end - _node_arrival).filter(_served(w)).mean(),
        ),
        lambda s: _ratio(s.sojourn_sum, s.admitted),
    ),
    Definition(
        Kpi(
            "resolution.sojourn_p50",
            "s",
            "lower",
            "Median time in the node of admitted requests.",
            "节点内逗留时间中位数",
            NODE_REQUESTS,
            _sojourn_quantile(0.50),
            quantile=0.50,
            sample=_sojourn,
        ),
        _histogram_quantile("sojourn", 0.50),
    ),
    Definition(
        Kpi(
            "resolution.sojourn_p99",
            "s",
            "lower",
            "99th percentile of time in the node of admitted requests.",
            "节点内逗留时间第99百分位",
            NODE_REQUESTS,
            _sojourn_quantile(0.99),
            quantile=0.99,
            sample=_sojourn,
        ),
        _histogram_quantile("sojourn", 0.99),
    ),
    Definition(
        Kpi(
            "resolution.queue_mean",
            "count",
            "lower",
            "Time-average number of requests waiting (not in service) over the window.",
            "平均排队请求数",
            NODE_REQUESTS,
            lambda w: _overlap(_node_arrival, _start, w).filter(_admitted).sum() / w.length_s,
        ),
        lambda s: s.queue_area / s.window_s,
    ),
    Definition(
        Kpi(
            "resolution.utilisation",
            "fraction",
            "neither",
            "Share of server time busy over the window (busy time / servers / window).",
            "服务器利用率",
            NODE_REQUESTS,
            lambda w: _overlap(_start, _end, w).filter(_admitted).sum() / (w.servers * w.length_s),
        ),
        lambda s: s.busy_area / (s.servers * s.window_s),
    ),
    Definition(
        Kpi(
            "resolution.throughput",
            "1/s",
            "higher",
            "Requests the node's servers completed per second within the window.",
            "解析吞吐量（每秒）",
            NODE_REQUESTS,
            lambda w: ((_end >= w.start_s) & (_end < w.end_s)).sum() / w.length_s,
        ),
        lambda s: s.ends_in_window / s.window_s,
    ),
    Definition(
        Kpi(
            "resolution.rejected_share",
            "fraction",
            "lower",
            "Share of arrivals at the node (cache misses) rejected because the node held "
            "queue_limit requests.",
            "拒绝请求占比",
            NODE_REQUESTS,
            lambda w: 1.0 - _admitted.filter(_measured(w) & ~_hit).mean().cast(pl.Float64),
        ),
        lambda s: _ratio(s.rejected, s.arrived),
    ),
    Definition(
        Kpi(
            "resolution.latency_mean",
            "s",
            "lower",
            "Mean end-to-end latency, request to answer: the cache hit time, or top-level + "
            "wait + service + enterprise node; a timed-out request counts as the timeout, a "
            "rejected one is left out.",
            "端到端平均解析时延",
            NODE_REQUESTS,
            lambda w: _latency(w).mean(),
        ),
        lambda s: _ratio(s.all_latency_sum, s.answered),
    ),
    *(
        Definition(
            Kpi(
                f"resolution.latency_p{p}",
                "s",
                "lower",
                f"{'Median' if p == 50 else f'{p}th percentile of'} end-to-end latency "
                "(timed-out requests count as the timeout, rejected ones are left out).",
                "端到端解析时延中位数" if p == 50 else f"端到端解析时延第{p}百分位",
                NODE_REQUESTS,
                _latency_quantile(p / 100),
                quantile=p / 100,
                sample=_latency,
            ),
            _histogram_quantile("latency", p / 100),
        )
        for p in LATENCY_PERCENTILES
    ),
    Definition(
        Kpi(
            "resolution.sla_share",
            "fraction",
            "higher",
            "Share of measured requests answered (not failed, not rejected) within the "
            "threshold of resolution.sla; the SLA p<NN> holds when this is ≥ NN %. Without "
            "an SLA: the share answered at all.",
            "满足时延SLA的请求占比",
            NODE_REQUESTS,
            lambda w: pl.col("within_sla").filter(_measured(w)).mean().cast(pl.Float64),
        ),
        lambda s: _ratio(s.within_sla, s.measured),
    ),
    Definition(
        Kpi(
            "resolution.failed_share",
            "fraction",
            "lower",
            "Share of measured requests answered as failed because they hit resolution.timeout.",
            "超时失败请求占比",
            NODE_REQUESTS,
            lambda w: pl.col("failed").filter(_measured(w)).mean().cast(pl.Float64),
        ),
        lambda s: _ratio(s.timed_out, s.measured),
    ),
    Definition(
        Kpi(
            "resolution.cache_hit_share",
            "fraction",
            "higher",
            "Share of measured requests answered by the recursive node's cache.",
            "缓存命中率",
            NODE_REQUESTS,
            lambda w: _hit.filter(_measured(w)).mean().cast(pl.Float64),
        ),
        lambda s: _ratio(s.hits, s.measured),
    ),
]

for _definition in _RESOLUTION:
    register(_definition.kpi)

#: Every resolution KPI's definition (a network node's KPIs reuse them, per node).
DEFINITIONS: tuple[Definition, ...] = tuple(_RESOLUTION)

# The busiest whole clock hour of the measured window (frame ``node_hours``, from either
# engine): the same name as the identifier model's sampled peak-hour utilisation.
register_variant(
    Kpi(
        "resolution.utilisation",
        "fraction",
        "neither",
        "",
        "",
        NODE_HOURS,
        lambda w: pl.col("utilisation").max(),
        ("window",),
    )
)


def kpis_from_statistics(statistics: NodeStatistics) -> dict[str, float]:
    """Every resolution KPI from the batched engine's sufficient statistics.

    The latency percentiles come last: the order in which the batched engine has always
    listed them, and so the row order of its ``kpis.parquet``.
    """
    ordered = sorted(_RESOLUTION, key=lambda d: d.kpi.name.startswith("resolution.latency_p"))
    return {d.kpi.name: float(d.from_statistics(statistics)) for d in ordered}
