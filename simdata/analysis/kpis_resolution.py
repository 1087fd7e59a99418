"""KPIs of the identifier-resolution node (frame ``requests``, one row per request)."""

from __future__ import annotations

import polars as pl

from simdata.analysis.kpis import ExprFactory, Kpi, register
from simdata.model.world import Window

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
