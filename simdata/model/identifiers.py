"""Assembly of the identifier economy: enterprises on the secondary node and the subsidy.

Counted, not simulated (DESIGN "count where you can"): enterprises are drawn by index, their
daily registrations, resolutions and innovative cases are exact counts drawn in vectors
(:mod:`simdata.model.enterprises`), and the Zhanjiang rule is judged per enterprise per day
(:mod:`simdata.model.subsidy`). This module turns that into the frames the KPIs read —
``node_days``, ``enterprises`` and ``subsidy`` — and the per-enterprise tables written to
the run directory (``enterprises.parquet``, ``enterprise_days.parquet``).

With a ``resolution`` section, the node's latency under the traffic these counts imply
is sampled in the peak hour of each month (:mod:`simdata.model.node_windows`).
"""

from __future__ import annotations

import polars as pl

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.enterprises import daily_counts, draw_enterprises, enterprise_frame
from simdata.model.node_windows import peak_windows, simulate_windows
from simdata.model.subsidy import CONDITIONS, judge_subsidy, subsidy_summary
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario

#: Per-enterprise tables written to the run directory (one file each, all replications).
ENTERPRISE_TABLES = ("enterprises", "enterprise_days")


def record_identifier_economy(
    scenario: Scenario, streams: Streams, recorder: Recorder, calendar: WorkCalendar | None
) -> tuple[list[str], dict[str, object]]:
    """Draw and count the enterprises, judge the subsidy, sample the node's peak hours and
    record the frames; returns the warnings and the latency sampling plan."""
    run, spec = scenario.run, scenario.enterprises
    if spec is None or run.start_date is None:
        return [], {}
    if calendar is None:
        calendar = WorkCalendar(
            scenario.calendar or CalendarSpec(), run.start_date, run.sim_start_s, run.horizon
        )
    start_s, end_s = run.sim_start_s, run.horizon
    enterprises = draw_enterprises(spec, calendar, streams, start_s, end_s, run.start_date)
    counts = daily_counts(enterprises, spec, calendar, streams, start_s, end_s)
    per_enterprise = enterprise_frame(enterprises, run.start_date, counts)
    frames = recorder.frames_extra
    frames["node_days"] = counts.node_days.with_columns(
        pl.col("registrations").cum_sum().alias("identifiers"),
        (pl.col("date") >= run.start_date).alias("measured"),
        pl.col("date").dt.year().cast(pl.String).alias("year"),
    )
    frames["enterprise_days"] = counts.enterprise_days
    if scenario.subsidy is not None:
        judged = judge_subsidy(counts.enterprise_days, scenario.subsidy, per_enterprise)
        summary = subsidy_summary(judged, scenario.subsidy)
        frames["enterprises"] = judged
        nan = float("nan")
        frames["subsidy"] = pl.DataFrame(
            {
                "at": ["deadline", "horizon"],
                "qualified": [summary.qualified_count, summary.qualified_count_at_horizon],
                "time_to_qualify_p50_s": [summary.time_to_qualify_p50_s, nan],
                "outlay": [nan if summary.outlay is None else summary.outlay, nan],
            }
        )
        frames["subsidy_failed"] = pl.DataFrame(
            {
                "condition": list(CONDITIONS),
                "share": [summary.failed_share.get(c, nan) for c in CONDITIONS],
            }
        )
    else:
        frames["enterprises"] = per_enterprise
    info: dict[str, object] = {}
    if scenario.resolution is not None:
        windows = peak_windows(frames["node_days"], spec.hourly_shares())
        results = simulate_windows(scenario.resolution, windows, streams)
        frames["window_requests"] = results.requests
        frames["window_servers"] = results.servers
        info = {
            "latency_sampling": "windows: the peak hour of the busiest weekday of each month",
            "windows": len(results.plan),
            "requests_simulated": results.simulated,
        }
    return list(calendar.warnings), info
