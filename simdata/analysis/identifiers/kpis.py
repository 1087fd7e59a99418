"""KPIs of the identifier economy: enterprises, registrations, resolutions, the subsidy.

Frames: ``node_days`` (the node's totals per calendar day: registrations, resolutions,
cases, cumulative ``identifiers`` and ``new_identifiers``, ``measured`` = on or after the
start date, the milestone periods ``year``, ``quarter``, ``month``),
``registration_milestones`` (the days targets name), ``enterprises`` (one row per
enterprise, with the subsidy judgement), ``subsidy`` (rows ``at`` = deadline / horizon),
``subsidy_failed`` (one row per condition) and ``subsidy_years`` (the outlay by year).

Milestones are cumulative: ``registrations.total_count@quarter=2025-Q2`` is the count by
the end of June 2025 (see :mod:`simdata.model.identifiers.milestones`).
"""

from __future__ import annotations

import polars as pl

from simdata.analysis.kpis import Kpi, register, register_variant
from simdata.analysis.resolution import kpis as _resolution_kpis  # noqa: F401 - the variants' base KPIs first
from simdata.model.frames import (
    ENTERPRISES,
    NODE_DAYS,
    REGISTRATION_MILESTONES,
    SUBSIDY,
    SUBSIDY_FAILED,
    SUBSIDY_YEARS,
    WINDOW_REQUESTS,
    WINDOW_SERVERS,
)
from simdata.model.identifiers.milestones import DATE, PERIODS
from simdata.model.world import Window
from simdata.scenario.units import DAY_S

_measured_days = pl.col("measured")
#: Milestone breakdowns of the registration counts on ``node_days``; ``@date`` is a variant.
_MILESTONES = (None, *PERIODS)


def _at(at: str, column: str) -> pl.Expr:
    return pl.col(column).filter(pl.col("at") == at).first().cast(pl.Float64)


def _days_to_qualify_s(w: Window) -> pl.Expr:
    """Time to qualify of the enterprises that joined during the run and qualified by the
    horizon, in whole days (the model's ``time_to_qualify_p50_s`` is their median)."""
    joined_and_qualified = pl.col("qualified_date").is_not_null() & ~pl.col("initial")
    return (pl.col("days_to_qualify") * DAY_S).filter(joined_and_qualified)


_KPIS = [
    Kpi(
        "enterprises.joined_count",
        "count",
        "higher",
        "Enterprises on the secondary node by the horizon (joined during the run, plus "
        "those already there at the start date).",
        "接入企业数",
        ENTERPRISES,
        lambda w: pl.len().cast(pl.Float64),
    ),
    Kpi(
        "registrations.total_count",
        "count",
        "higher",
        "Identifiers on the node by the end of the horizon, including those the enterprises "
        "already on the node held at the start. Milestones: by the end of a year, quarter "
        "or month the run reaches the end of (`@year=2025`, `@quarter=2025-Q2`, "
        "`@month=2025-06`), or of a day a target names (`@date=2025-06-15`).",
        "标识注册总量",
        NODE_DAYS,
        lambda w: pl.col("identifiers").last().cast(pl.Float64),
        _MILESTONES,
    ),
    Kpi(
        "registrations.new_count",
        "count",
        "higher",
        "Identifiers registered on the node from run.start_date to the end of the horizon "
        "(新增: the stock held at the start left out). Milestones as for "
        "`registrations.total_count`, counted from run.start_date.",
        "新增标识注册量",
        NODE_DAYS,
        lambda w: pl.col("new_identifiers").last().cast(pl.Float64),
        _MILESTONES,
    ),
    Kpi(
        "resolutions.daily_mean",
        "count",
        "higher",
        "Mean resolutions per day on the node over the measured days.",
        "日均解析量",
        NODE_DAYS,
        lambda w: pl.col("resolutions").filter(_measured_days).mean().cast(pl.Float64),
    ),
    Kpi(
        "resolutions.daily_max",
        "count",
        "neither",
        "Most resolutions on one measured day at the node.",
        "单日最高解析量",
        NODE_DAYS,
        lambda w: pl.col("resolutions").filter(_measured_days).max().cast(pl.Float64),
    ),
    Kpi(
        "subsidy.qualified_count",
        "count",
        "higher",
        "Enterprises meeting all three subsidy conditions on one day by the deadline "
        "(`@at=horizon`: by the end of the run).",
        "达标企业数",
        SUBSIDY,
        # The deadline row first: the whole-frame value is the deadline's, a group's its own.
        lambda w: pl.col("qualified").sort_by(pl.col("at") != "deadline").first().cast(pl.Float64),
        (None, "at"),
        ("horizon",),
    ),
    Kpi(
        "subsidy.time_to_qualify_p50",
        "s",
        "lower",
        "Median time from joining the node to qualifying. Conditional: over the enterprises "
        "that joined during the run and qualified only, so a variant can change who is "
        "counted; `compare` does not mark it better or worse.",
        "达标所需时间中位数",
        SUBSIDY,
        lambda w: _at("deadline", "time_to_qualify_p50_s"),
        conditional=True,  # enterprises that qualified only
        quantile=0.5,
        sample=_days_to_qualify_s,
        sample_frame=ENTERPRISES,
    ),
    Kpi(
        "subsidy.failed_share",
        "fraction",
        "lower",
        "Share of all enterprises on the node by the deadline (with application dates: by "
        "the last one) that did not qualify and missed this condition then (shares may "
        "overlap; qualifiers count in the denominator, so a variant that qualifies more "
        "cannot look worse by composition).",
        "未达标条件占比",
        SUBSIDY_FAILED,
        lambda w: pl.col("share").first().cast(pl.Float64),
        ("condition",),
    ),
    Kpi(
        "subsidy.failed_only_share",
        "fraction",
        "lower",
        "Share of all enterprises on the node by the deadline (with application dates: by "
        "the last one) that did not qualify, met the other two conditions then and missed "
        "only this one: those a relaxation of this condition alone would qualify.",
        "仅差该条件的企业占比",
        SUBSIDY_FAILED,
        lambda w: pl.col("only_share").first().cast(pl.Float64),
        ("condition",),
    ),
    Kpi(
        "subsidy.outlay",
        "yuan",
        "neither",
        "Subsidy paid: amount × qualified enterprises by the deadline (when an amount is "
        "given; in 元, as the amount). `@year=YYYY`: for the enterprises that "
        "qualified in that year.",
        "奖补资金",
        SUBSIDY,
        lambda w: _at("deadline", "outlay"),
    ),
]

for _kpi in _KPIS:
    register(_kpi)

# Milestones on days a target names, and the outlay by year of qualifying: other frames.
for _variant in (
    Kpi(
        "registrations.total_count", "count", "higher", "", "", REGISTRATION_MILESTONES,
        lambda w: pl.col("identifiers").last().cast(pl.Float64), (DATE,),
    ),
    Kpi(
        "registrations.new_count", "count", "higher", "", "", REGISTRATION_MILESTONES,
        lambda w: pl.col("new_identifiers").last().cast(pl.Float64), (DATE,),
    ),
    Kpi(
        "subsidy.outlay", "yuan", "neither", "", "", SUBSIDY_YEARS,
        lambda w: pl.col("outlay").sum().cast(pl.Float64), ("year",),
    ),
):  # fmt: skip
    register_variant(_variant)

# Latency of the node sampled in peak-hour windows (frames ``window_requests`` and
# ``window_servers``, see simdata/model/resolution/windows.py): the same KPIs as the continuously
# simulated node, named ``…@window=peak_hour``.
_latency = pl.col("latency_s")
_WINDOW = ("window",)
_WINDOW_KPIS = [
    Kpi(
        "resolution.latency_mean",
        "s",
        "lower",
        "",
        "",
        WINDOW_REQUESTS,
        lambda w: _latency.mean(),
        _WINDOW,
    ),
    Kpi(
        "resolution.latency_p50",
        "s",
        "lower",
        "",
        "",
        WINDOW_REQUESTS,
        lambda w: _latency.quantile(0.5, "linear"),
        _WINDOW,
        quantile=0.5,
        sample=lambda w: _latency,
    ),
    Kpi(
        "resolution.latency_p99",
        "s",
        "lower",
        "",
        "",
        WINDOW_REQUESTS,
        lambda w: _latency.quantile(0.99, "linear"),
        _WINDOW,
        quantile=0.99,
        sample=lambda w: _latency,
    ),
    Kpi(
        "resolution.sla_share",
        "fraction",
        "higher",
        "",
        "",
        WINDOW_REQUESTS,
        lambda w: pl.col("within_sla").cast(pl.Float64).mean(),
        _WINDOW,
    ),
    Kpi(
        "resolution.failed_share",
        "fraction",
        "lower",
        "",
        "",
        WINDOW_REQUESTS,
        lambda w: pl.col("failed").cast(pl.Float64).mean(),
        _WINDOW,
    ),
    Kpi(
        "resolution.cache_hit_share",
        "fraction",
        "neither",
        "",
        "",
        WINDOW_REQUESTS,
        lambda w: pl.col("cache_hit").cast(pl.Float64).mean(),
        _WINDOW,
    ),
    Kpi(
        "resolution.utilisation",
        "fraction",
        "neither",
        "",
        "",
        WINDOW_SERVERS,
        lambda w: pl.col("busy_s").sum() / pl.col("capacity_s").sum(),
        _WINDOW,
    ),
]

for _variant in _WINDOW_KPIS:
    register_variant(_variant)

# The milestone domains for the computable-target check (simdata/analysis/producible.py).
from simdata.analysis.identifiers import milestones as _milestones  # noqa: E402, F401
