"""The catalogue of frames a replication hands over: every name, column and meaning, once.

Components record their results into the :class:`~simdata.engine.recorder.Recorder` under
a :class:`Frame` of this catalogue (``recorder.put(DATA_REQUESTS, frame)``), KPIs read them
by the same object, and the run directory writes the ones marked ``written``. A typo in a
frame name is therefore an ``AttributeError`` at import, not a KPI that silently vanishes;
``docs/run-directory.md``'s frame section is generated from here (a test fails when stale).

Times are float seconds from time 0 (``run.start_date`` 00:00 Asia/Shanghai, or the start
of an undated run); ``_s`` durations are seconds, ``work_s`` working seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Column:
    """One column: its name, polars type and meaning."""

    name: str
    dtype: pl.DataType
    meaning: str


@dataclass(frozen=True)
class Frame:
    """One frame of a replication: name, who makes it, whether the run directory keeps it."""

    name: str
    producer: str
    description: str
    columns: tuple[Column, ...]
    written: bool = False
    #: The run directory's file stem when it differs from the name (``requests``).
    file: str = ""

    @property
    def file_stem(self) -> str:
        return self.file or self.name

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {column.name: column.dtype for column in self.columns}


F64, I64, BOOL, STR, DATE = pl.Float64(), pl.Int64(), pl.Boolean(), pl.String(), pl.Date()


def _c(name: str, dtype: pl.DataType, meaning: str) -> Column:
    return Column(name, dtype, meaning)


NODE_REQUESTS = Frame(
    "requests", "resolution node (event engine)",
    "One row per request of the node's measured run (kept in memory, not written).",
    (
        _c("arrival_s", F64, "client arrival time"),
        _c("service_s", F64, "service time, drawn at arrival (for rejected requests too)"),
        _c("node_arrival_s", F64, "arrival at the node's servers (NaN for cache hits)"),
        _c("start_s", F64, "service start (NaN when rejected or a cache hit)"),
        _c("end_s", F64, "time the answer left the node (NaN when rejected)"),
        _c("admitted", BOOL, "false when the node held queue_limit requests at arrival"),
        _c("cache_hit", BOOL, "answered from the recursive node's cache"),
        _c("enterprise_s", F64, "enterprise-node latency of the path"),
        _c("latency_s", F64, "end-to-end latency (the timeout if timed out; NaN if rejected)"),
        _c("failed", BOOL, "timed out: the client gave up (rejected requests are not failed)"),
        _c("within_sla", BOOL, "answered within the SLA threshold"),
        _c("write", BOOL, "a registration write (not a resolution)"),
    ),
)  # fmt: skip
NODE_HOURS = Frame(
    "node_hours", "resolution node (either engine)",
    "Utilisation of the node's servers per whole clock hour of the measured window.",
    (
        _c("hour_start_s", F64, "start of the hour"),
        _c("utilisation", F64, "busy server time / (servers × 1 h)"),
        _c("window", STR, "the window the hour belongs to"),
    ),
)  # fmt: skip
WINDOW_REQUESTS = Frame(
    "window_requests", "resolution node (sampled peak-hour windows)",
    "Requests of the peak-hour windows an identifier run samples (not written).",
    (
        _c("latency_s", F64, "end-to-end latency (the timeout when timed out; NaN when rejected)"),
        _c("failed", BOOL, "timed out (rejected requests are not failed)"),
        _c("within_sla", BOOL, "answered within the SLA threshold"),
        _c("cache_hit", BOOL, "answered from the cache"),
        _c("admitted", BOOL, "not rejected by the queue limit"),
        _c("window", STR, "the sampled window"),
    ),
)  # fmt: skip
WINDOW_SERVERS = Frame(
    "window_servers", "resolution node (sampled peak-hour windows)",
    "Busy and available server time of each sampled window.",
    (
        _c("busy_s", F64, "busy server time"),
        _c("capacity_s", F64, "servers × window length"),
        _c("window", STR, "the sampled window"),
    ),
)  # fmt: skip
LATENCY_HISTOGRAM = Frame(
    "latency_histogram", "resolution node",
    "Measured end-to-end latencies in log buckets (values in (low, high], relative width "
    "1 %, after DDSketch); only non-empty buckets.",
    (
        _c("window", STR, "`all` (the measured window) or `peak_hour` (sampled windows)"),
        _c("bucket_low_s", F64, "bucket's lower edge (exclusive)"),
        _c("bucket_high_s", F64, "bucket's upper edge (inclusive)"),
        _c("count", I64, "latencies in the bucket"),
    ),
    written=True,
)  # fmt: skip
NETWORK_NODES = Frame(
    "network_nodes", "resolution network",
    "One row per node of the network: what it is and the measured resolutions reaching it. "
    "Its KPIs (`…@node=NAME`) come from each node's statistics (see docs/network.md).",
    (
        _c("node", STR, "node name"),
        _c("kind", STR, "recursive, top_level, secondary or enterprise"),
        _c("province", STR, "province (empty when not given)"),
        _c("servers", I64, "servers (0: no queue)"),
        _c("arrivals", I64, "measured resolutions reaching the node"),
        _c("cache_hits", I64, "of those, answered from the cache (recursive nodes)"),
        _c("owned", I64, "measured resolutions of identifiers the node owns (secondary nodes)"),
    ),
    written=True,
)  # fmt: skip
NETWORK_ENTERPRISES = Frame(
    "network_enterprises", "resolution network with enterprises",
    "One row per secondary node: the enterprises registering on it (drawn by the nodes' "
    "shares) and their exact counts; `…@node=` and `…@province=` registration KPIs read it.",
    (
        _c("node", STR, "secondary node"),
        _c("province", STR, "its province (empty when not given)"),
        _c("enterprises", I64, "enterprises on the node by the horizon"),
        _c("new_registrations", I64, "identifiers registered on or after run.start_date"),
        _c("identifiers", I64, "identifiers on the node at the horizon"),
        _c("resolutions", I64, "resolutions over the measured days"),
        _c("days", I64, "measured days"),
    ),
    written=True,
)  # fmt: skip
NODE_DAYS = Frame(
    "node_days", "enterprises",
    "The secondary node's exact daily counts over every simulated day.",
    (
        _c("date", DATE, "calendar day"),
        _c("day_type", STR, "weekday (a working day, 调休 included), weekend or holiday"),
        _c("registrations", I64, "identifiers registered that day"),
        _c("resolutions", I64, "resolutions that day"),
        _c("cases", I64, "innovative application cases started that day"),
        _c("identifiers", I64, "identifiers on the node at the end of the day"),
        _c("new_identifiers", I64, "identifiers registered from run.start_date to the day's end"),
        _c("measured", BOOL, "on or after run.start_date"),
        _c("year", STR, "calendar year `YYYY` (null before run.start_date and in a year the "
           "run does not reach the end of)"),
        _c("quarter", STR, "calendar quarter `YYYY-Qn` (null as for `year`)"),
        _c("month", STR, "calendar month `YYYY-MM` (null as for `year`)"),
    ),
)  # fmt: skip
REGISTRATION_MILESTONES = Frame(
    "registration_milestones", "enterprises",
    "The node's identifiers at the end of each day a target names "
    "(`registrations.*@date=YYYY-MM-DD`); only those days.",
    (
        _c("date", STR, "the targeted day, `YYYY-MM-DD`"),
        _c("identifiers", I64, "identifiers on the node at the end of the day"),
        _c("new_identifiers", I64, "identifiers registered from run.start_date to the day's end"),
    ),
)  # fmt: skip
ENTERPRISE_DAYS = Frame(
    "enterprise_days", "enterprises",
    "Exact daily counts per enterprise (built in 64-day blocks).",
    (
        _c("enterprise", I64, "enterprise index"),
        _c("date", DATE, "calendar day"),
        _c("registrations", I64, "identifiers registered that day"),
        _c("resolutions", I64, "resolutions that day"),
        _c("cases", I64, "cases started that day"),
    ),
    written=True,
)  # fmt: skip
_ENTERPRISE_COLUMNS = (
    _c("enterprise", I64, "enterprise index"),
    _c("initial", BOOL, "already on the node at the start"),
    _c("joined_s", F64, "time it joined"),
    _c("joined_date", DATE, "day it joined"),
    _c("filed_s", F64, "time its prefix was filed (备案)"),
    _c("filed_date", DATE, "day its prefix was filed"),
    _c("initial_identifiers", I64, "identifiers at the start"),
    _c("final_identifiers", I64, "identifiers once its ramp is over"),
    _c("ramp_s", F64, "working time from filing to the last registration batch"),
    _c("usage_intensity", F64, "resolutions per identifier per working day"),
    _c("initial_cases", I64, "cases at the start"),
    _c("identifiers_end", I64, "identifiers at the horizon"),
    _c("resolutions_total", I64, "resolutions up to the horizon"),
    _c("cases_total", I64, "cases at the horizon"),
)
_SUBSIDY_COLUMNS = (
    _c("first_registrations", DATE, "first day the identifier condition held"),
    _c("first_resolutions", DATE, "first day the daily-average resolution condition held"),
    _c("first_cases", DATE, "first day the case condition held"),
    _c("qualified_date", DATE, "first judged day every condition held"),
    _c("qualified", BOOL, "qualified by the subsidy deadline"),
    _c("days_to_qualify", I64, "days from joining to qualifying"),
    _c(
        "on_node_by_deadline",
        BOOL,
        "on the node by the last judgement (deadline or last application date)",
    ),
    _c("registrations_met", BOOL, "identifier condition met at the last judgement"),
    _c("resolutions_met", BOOL, "resolution condition met at the last judgement"),
    _c("cases_met", BOOL, "case condition met at the last judgement"),
)
ENTERPRISES = Frame(
    "enterprises", "enterprises, subsidy",
    "One row per enterprise: attributes, end-of-run counts and, with a `subsidy` section, "
    "the rule's judgement (the subsidy columns).",
    _ENTERPRISE_COLUMNS + _SUBSIDY_COLUMNS,
    written=True,
)  # fmt: skip
SUBSIDY = Frame(
    "subsidy", "subsidy",
    "The subsidy rule's totals at the deadline and at the horizon.",
    (
        _c("at", STR, "`deadline` or `horizon`"),
        _c("qualified", I64, "enterprises qualified"),
        _c("time_to_qualify_p50_s", F64, "median time from joining to qualifying"),
        _c("outlay", F64, "subsidy paid (元; NaN without an amount)"),
    ),
)  # fmt: skip
SUBSIDY_FAILED = Frame(
    "subsidy_failed", "subsidy",
    "Per condition, the share of enterprises on the node by the last judgement (the deadline "
    "or the last application date) that failed it.",
    (
        _c("condition", STR, "the condition"),
        _c("share", F64, "share of the enterprises on the node by the last judgement that "
           "did not qualify and missed it"),
        _c("only_share", F64, "share of them that did not qualify, met the other two "
           "conditions and missed this one"),
    ),
)  # fmt: skip
SUBSIDY_YEARS = Frame(
    "subsidy_years", "subsidy",
    "The outlay by calendar year of qualifying, from run.start_date's year to the "
    "deadline's (only with `subsidy.amount`).",
    (_c("year", STR, "calendar year `YYYY`"), _c("outlay", F64, "amount × qualifiers that year")),
)  # fmt: skip
DATA_REQUESTS = Frame(
    "data_requests", "requesters, policy",
    "One row per data request (the recorded run, then completed after the drain); written "
    "as `requests.parquet`, the audit trail of the SLA shares: a planner filters `measured` "
    "and the channel and counts `workdays` within the SLA.",
    (
        _c("arrival_s", F64, "arrival time"),
        _c("end_s", F64, "time it ended (NaN while open)"),
        _c("outcome", STR, "open, delivered, rejected or abandoned"),
        _c("reused", BOOL, "served from a product already developed"),
        _c("stale", BOOL, "a dataset was out of date when delivered"),
        _c("work_s", F64, "working seconds from arrival to end"),
        _c("kind", STR, "requester kind"),
        _c("channel", STR, "sharing, opening or development"),
        _c("group", STR, "requester group (or `initial backlog`)"),
        _c("initial", BOOL, "part of the initial backlog (served, not measured)"),
        _c("department", STR, "owning department of the request's first dataset"),
        _c("data_class", STR, "the first dataset's class on the request's channel "
           "(sharing: unconditional, conditional, not_shared; opening: not_open, ordinary, "
           "on_application; development: the sharing class)"),
        _c("datasets", I64, "datasets the request asks for"),
        _c("workdays", F64, "working days from arrival to end (work_s / one day's office hours)"),
        _c("measured", BOOL, "arrived in the measured window and not initial: counted by KPIs"),
    ),
    written=True,
    file="requests",
)  # fmt: skip
REVIEWS = Frame(
    "reviews", "policy",
    "One row per review of a conditional dataset of a request by its owning department "
    "(and per auto-approved one).",
    (
        _c("department", I64, "department index"),
        _c("queued_s", F64, "time it joined the department's queue"),
        _c("start_s", F64, "review start (NaN if never started)"),
        _c("end_s", F64, "review end (NaN if never finished)"),
        _c("request", I64, "the request's row in `data_requests`"),
        _c("decision", pl.Int8(), "0 none yet, 1 approved, 2 rejected after review, "
           "3 auto-approved (no review: start and end NaN)"),
    ),
)  # fmt: skip
DEPARTMENTS = Frame(
    "departments", "policy",
    "Reviewer staff, busy working time and waiting per owning department, in the window.",
    (
        _c("department", STR, "department name"),
        _c("reviewers", I64, "reviewers"),
        _c("busy_work_s", F64, "reviewers' busy working time"),
        _c("waiting_s", F64, "time requests waited for a reviewer"),
    ),
)  # fmt: skip
PROJECTS = Frame(
    "projects", "agency",
    "One row per development project of the agency.",
    (
        _c("queued_s", F64, "time the project asked for a sandbox slot"),
        _c("slot_s", F64, "time it got one"),
        _c("analyst_start_s", F64, "analyst work start"),
        _c("analyst_end_s", F64, "analyst work end"),
        _c("published_s", F64, "time the product was published"),
    ),
)  # fmt: skip
AGENCY = Frame(
    "agency", "agency",
    "Sandbox and analyst busy time, projects and products in the window.",
    (
        _c("slot_busy_s", F64, "sandbox-slot busy time"),
        _c("analyst_busy_work_s", F64, "analysts' busy working time"),
        _c("projects", I64, "projects published in the window"),
        _c("products", I64, "products published by the horizon"),
    ),
)  # fmt: skip
CATALOGUE = Frame(
    "catalogue", "catalogue",
    "Freshness and defects of the catalogue at each quarterly report.",
    (
        _c("fresh_share", F64, "share of datasets updated on schedule"),
        _c("defect_age_mean_s", F64, "mean age of open defects"),
        _c("defects", I64, "open defects"),
    ),
)  # fmt: skip
TIMESERIES = Frame(
    "timeseries", "every component",
    "Time series in long form (the run directory adds `replication` and `date`).",
    (
        _c("time_s", F64, "start of the bin or day"),
        _c("series", STR, "series name, e.g. resolution.in_system, requests.backlog"),
        _c("group", STR, "the series' group, e.g. day, report"),
        _c("value", F64, "value"),
    ),
    written=True,
)  # fmt: skip

#: Every frame, by name.
FRAMES: dict[str, Frame] = {
    frame.name: frame
    for frame in (
        NODE_REQUESTS, NODE_HOURS, WINDOW_REQUESTS, WINDOW_SERVERS, LATENCY_HISTOGRAM,
        NETWORK_NODES, NETWORK_ENTERPRISES,
        NODE_DAYS, REGISTRATION_MILESTONES, ENTERPRISE_DAYS, ENTERPRISES, SUBSIDY,
        SUBSIDY_FAILED, SUBSIDY_YEARS,
        DATA_REQUESTS, REVIEWS, DEPARTMENTS, PROJECTS, AGENCY, CATALOGUE, TIMESERIES,
    )
}  # fmt: skip


def frames_markdown() -> str:
    """The frame section of ``docs/run-directory.md``."""
    lines = [
        "<!-- generated from simdata/model/frames.py: python -m simdata.model.frames -->",
        "",
    ]
    for frame in FRAMES.values():
        kept = (
            f"written to the run directory as `{frame.file_stem}.parquet`"
            if frame.written
            else "in memory, for KPIs"
        )
        lines += [
            f"### `{frame.name}`",
            "",
            f"{frame.description} Made by: {frame.producer}; {kept}.",
            "",
            "| column | type | meaning |",
            "| --- | --- | --- |",
        ]
        lines += [f"| `{c.name}` | {c.dtype} | {c.meaning} |" for c in frame.columns]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(frames_markdown(), end="")
