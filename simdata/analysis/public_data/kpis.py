"""KPIs of the public-data sharing model.

Frames: ``data_requests`` (one row per request: arrival, end, outcome, kind, channel,
working time to data), ``departments`` (reviewer staff and busy working time per owning
department), ``agency`` (sandbox and analyst busy time, projects, products) and
``catalogue`` (freshness and defect ages). Requests are measured when they arrive in the
window; time-to-data is for delivered requests, elapsed (``time_to_data_*``) or working
days (``time_to_data_workdays_*``).
"""

from __future__ import annotations

import polars as pl

from simdata.analysis.kpis import ExprFactory, Kpi, register
from simdata.model.frames import AGENCY, CATALOGUE, DATA_REQUESTS, DEPARTMENTS
from simdata.model.world import Window

_arrival = pl.col("arrival_s")
_end = pl.col("end_s")
_outcome = pl.col("outcome")
BREAKDOWNS: tuple[str | None, ...] = (None, "kind", "channel")
#: Channels answered under the policy's time limit; development (the agency) has none.
SLA_CHANNELS = ("sharing", "opening")


def _measured(w: Window) -> pl.Expr:
    """Requests arriving in the window; the initial backlog is served but not measured."""
    return (_arrival >= w.start_s) & (_arrival < w.end_s) & ~pl.col("initial")


def _delivered(w: Window) -> pl.Expr:
    return _measured(w) & (_outcome == "delivered")


def _share(condition: pl.Expr, w: Window) -> pl.Expr:
    return condition.filter(_measured(w)).cast(pl.Float64).mean()


def _time_to_data(w: Window) -> pl.Expr:
    return (_end - _arrival).filter(_delivered(w))


def _ttd(q: float | None) -> ExprFactory:
    def expr(w: Window) -> pl.Expr:
        return _time_to_data(w).mean() if q is None else _time_to_data(w).quantile(q, "linear")

    return expr


def _workdays_to_data(w: Window) -> pl.Expr:
    return (pl.col("work_s") / w.constants["workday_s"]).filter(_delivered(w))


def _ttd_workdays(q: float) -> ExprFactory:
    return lambda w: _workdays_to_data(w).quantile(q, "linear")


_REQUESTS = [
    Kpi(
        "requests.time_to_data_mean",
        "s",
        "lower",
        "Mean elapsed time from request to delivery (delivered requests).",
        "平均数据获取时长",
        DATA_REQUESTS,
        _ttd(None),
        BREAKDOWNS,
        conditional=True,  # delivered requests only
    ),
    Kpi(
        "requests.time_to_data_p50",
        "s",
        "lower",
        "Median elapsed time from request to delivery.",
        "数据获取时长中位数",
        DATA_REQUESTS,
        _ttd(0.5),
        BREAKDOWNS,
        conditional=True,  # delivered requests only
        quantile=0.5,
        sample=_time_to_data,
    ),
    Kpi(
        "requests.time_to_data_p90",
        "s",
        "lower",
        "90th percentile of elapsed time from request to delivery.",
        "数据获取时长第90百分位",
        DATA_REQUESTS,
        _ttd(0.9),
        BREAKDOWNS,
        conditional=True,  # delivered requests only
        quantile=0.9,
        sample=_time_to_data,
    ),
    Kpi(
        "requests.time_to_data_workdays_p90",
        "count",
        "lower",
        "90th percentile of working days from request to delivery (working time / one "
        "day's office hours).",
        "数据获取工作日第90百分位",
        DATA_REQUESTS,
        _ttd_workdays(0.9),
        BREAKDOWNS,
        conditional=True,  # delivered requests only
        quantile=0.9,
        sample=_workdays_to_data,
    ),
    Kpi(
        "requests.within_sla_share",
        "fraction",
        "higher",
        "Share of requests answered (delivered or rejected) within the SLA, judged in "
        "working time; extended requests count as late. Channels with an SLA only.",
        "时限内办结占比",
        DATA_REQUESTS,
        lambda w: _share(
            _outcome.is_in(["delivered", "rejected"]) & (pl.col("work_s") <= w.constants["sla_s"]),
            w,
        ),
        ("channel",),
        SLA_CHANNELS,
    ),
    Kpi(
        "requests.delivered_within_sla_share",
        "fraction",
        "higher",
        "Share of requests that received data within the SLA (working time), over the "
        "requests that reached an outcome: a refusal, however quick, and an abandoned "
        "request count as not delivered. The run drains, so requests open at the horizon "
        "still reach theirs; any left open are excluded and counted in the manifest "
        "(requests_open_at_end). Channels with an SLA only.",
        "时限内获得数据占比",
        DATA_REQUESTS,
        lambda w: (
            (_outcome == "delivered")
            .and_(pl.col("work_s") <= w.constants["sla_s"])
            .filter(_measured(w) & (_outcome != "open"))
            .cast(pl.Float64)
            .mean()
        ),
        ("channel",),
        SLA_CHANNELS,
    ),
    Kpi(
        "requests.overdue_share",
        "fraction",
        "lower",
        "Share of requests not answered within the SLA plus the longest extension (working "
        "time): answered later, abandoned or still open. Channels with an SLA only.",
        "超出延长时限占比",
        DATA_REQUESTS,
        lambda w: _share(
            ~(
                _outcome.is_in(["delivered", "rejected"])
                & (pl.col("work_s") <= w.constants["sla_s"] + w.constants["extension_s"])
            ),
            w,
        ),
        ("channel",),
        SLA_CHANNELS,
    ),
    Kpi(
        "requests.rejected_share",
        "fraction",
        "lower",
        "Share of requests that ended rejected.",
        "驳回占比",
        DATA_REQUESTS,
        lambda w: _share(_outcome == "rejected", w),
        BREAKDOWNS,
    ),
    Kpi(
        "requests.abandoned_share",
        "fraction",
        "lower",
        "Share of requests abandoned when the requester's patience ran out.",
        "放弃占比",
        DATA_REQUESTS,
        lambda w: _share(_outcome == "abandoned", w),
        BREAKDOWNS,
    ),
    Kpi(
        "requests.backlog_count",
        "count",
        "lower",
        "Requests open at the horizon (arrived before it, not yet ended).",
        "期末积压请求数",
        DATA_REQUESTS,
        lambda w: (
            ((_arrival < w.end_s) & (_end.is_nan() | (_end >= w.end_s))).sum().cast(pl.Float64)
        ),
    ),
    Kpi(
        "requests.arrivals_count",
        "count",
        "neither",
        "Requests arriving in the measured window.",
        "数据请求数",
        DATA_REQUESTS,
        lambda w: _measured(w).sum().cast(pl.Float64),
        BREAKDOWNS,
    ),
    Kpi(
        "requests.reuse_share",
        "fraction",
        "higher",
        "Share of development requests served from an already published product.",
        "产品复用占比",
        DATA_REQUESTS,
        lambda w: (
            pl.col("reused")
            .filter(_measured(w) & (pl.col("channel") == "development"))
            .cast(pl.Float64)
            .mean()
        ),
    ),
]

_busy_share = pl.col("busy_work_s") / pl.col("reviewers")

_STAFF = [
    Kpi(
        "reviewers.utilisation_mean",
        "fraction",
        "neither",
        "Mean over departments of reviewer utilisation in working time.",
        "审核人员平均利用率",
        DEPARTMENTS,
        lambda w: (_busy_share / w.constants["window_work_s"]).mean(),
    ),
    Kpi(
        "reviewers.utilisation_max",
        "fraction",
        "lower",
        "Utilisation of the busiest department's reviewers (named by the per-department "
        "breakdown `reviewers.utilisation@department=…`).",
        "最忙部门审核利用率",
        DEPARTMENTS,
        lambda w: (_busy_share / w.constants["window_work_s"]).max(),
    ),
    Kpi(
        "reviewers.utilisation",
        "fraction",
        "neither",
        "Reviewer utilisation in working time, per department.",
        "部门审核利用率",
        DEPARTMENTS,
        lambda w: (_busy_share / w.constants["window_work_s"]).mean(),
        ("department",),
    ),
    Kpi(
        "reviewers.queue_mean",
        "count",
        "lower",
        "Time-average number of conditional requests waiting for a reviewer (all departments).",
        "平均待审核请求数",
        DEPARTMENTS,
        lambda w: pl.col("waiting_s").sum() / w.length_s,
    ),
    Kpi(
        "agency.sandbox_utilisation",
        "fraction",
        "neither",
        "Share of sandbox-slot time held by projects (elapsed time).",
        "沙箱利用率",
        AGENCY,
        lambda w: pl.col("slot_busy_s").sum() / (w.constants["sandbox_slots"] * w.length_s),
    ),
    Kpi(
        "agency.analyst_utilisation",
        "fraction",
        "neither",
        "Share of analysts' working time spent on projects.",
        "分析师利用率",
        AGENCY,
        lambda w: (
            pl.col("analyst_busy_work_s").sum()
            / (w.constants["analysts"] * w.constants["window_work_s"])
        ),
    ),
    Kpi(
        "agency.projects_count",
        "count",
        "higher",
        "Development projects completed (product published) in the window.",
        "完成开发项目数",
        AGENCY,
        lambda w: pl.col("projects").sum().cast(pl.Float64),
    ),
    Kpi(
        "agency.products_count",
        "count",
        "higher",
        "Data products published by the horizon (including the warm-up).",
        "已发布数据产品数",
        AGENCY,
        lambda w: pl.col("products").sum().cast(pl.Float64),
    ),
    Kpi(
        "catalogue.fresh_share",
        "fraction",
        "higher",
        "Time-average share of datasets not overdue for a scheduled update.",
        "目录数据及时更新率",
        CATALOGUE,
        lambda w: pl.col("fresh_share").first(),
    ),
    Kpi(
        "catalogue.defect_age_mean",
        "s",
        "lower",
        "Mean time a data defect stays open, from the faulty update to its fix "
        "(defects arising in the window).",
        "问题数据平均存续时长",
        CATALOGUE,
        lambda w: pl.col("defect_age_mean_s").first(),
    ),
]

for _kpi in (*_REQUESTS, *_STAFF):
    register(_kpi)
