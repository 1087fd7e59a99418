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

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.enterprises import daily_counts, draw_enterprises, enterprise_frame
from simdata.model.node_windows import peak_windows, simulate_windows
from simdata.model.subsidy import CONDITIONS, judge_subsidy, subsidy_summary
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario

DAY_S = 86_400.0
HOUR_S = 3_600.0
FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: Per-enterprise tables written to the run directory (one file each, all replications).
ENTERPRISE_TABLES = ("enterprises", "enterprise_days")


#: Most requests `latency_sampling: full` simulates (issue 5); beyond it, windows.
FULL_LIMIT = 1_000_000

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass
class Economy:
    """What the identifier economy hands the world: warnings, the sampling plan, and — for
    ``latency_sampling: full`` — the node's whole request stream (times, write flags)."""

    warnings: list[str] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)
    traffic: tuple[FloatArray, BoolArray] | None = None


def node_traffic(
    node_days: pl.DataFrame, shares: list[float], start_date: dt.date, rng: np.random.Generator
) -> tuple[FloatArray, BoolArray]:
    """Every resolution and registration write of the measured days as arrival times.

    Each day's exact counts are split over its 24 hours multinomially by the traffic
    shares and placed uniformly within the hour: a Poisson process with a
    piecewise-constant rate, conditioned on the counted day totals.
    """
    days = node_days.filter(pl.col("measured"))
    offsets = np.array([(d - start_date).days * DAY_S for d in days["date"].to_list()])
    parts, flags = [], []
    for column, is_write in (("resolutions", False), ("registrations", True)):
        totals = days[column].to_numpy().astype(np.int64)
        per_hour = rng.multinomial(totals, shares)  # (days, 24)
        counts = per_hour.ravel()
        starts = (offsets[:, None] + np.arange(24)[None, :] * HOUR_S).ravel()
        times = np.repeat(starts, counts) + rng.random(int(counts.sum())) * HOUR_S
        parts.append(times)
        flags.append(np.full(len(times), is_write))
    times = np.concatenate(parts)
    order = np.argsort(times, kind="stable")
    return np.asarray(times[order], dtype=np.float64), np.concatenate(flags)[order]


def record_identifier_economy(
    scenario: Scenario, streams: Streams, recorder: Recorder, calendar: WorkCalendar | None
) -> Economy:
    """Draw and count the enterprises, judge the subsidy, sample the node's peak hours and
    record the frames; returns the warnings, the sampling plan and any full traffic."""
    run, spec = scenario.run, scenario.enterprises
    if spec is None or run.start_date is None:
        return Economy()
    if calendar is None:
        calendar = WorkCalendar(
            scenario.calendar or CalendarSpec(), run.start_date, run.sim_start_s, run.horizon
        )
    start_s, end_s = run.sim_start_s, run.horizon
    enterprises = draw_enterprises(spec, calendar, streams, start_s, end_s, run.start_date)
    counts = daily_counts(enterprises, spec, calendar, streams, start_s, end_s)
    per_enterprise = enterprise_frame(enterprises, run.start_date, counts)
    frames = recorder.frames_extra
    # Identifiers on the node: the initial enterprises' stock plus every registration.
    stock = int(enterprises.start_identifiers[enterprises.initial].sum())
    frames["node_days"] = counts.node_days.with_columns(
        (pl.col("registrations").cum_sum() + stock).alias("identifiers"),
        (pl.col("date") >= run.start_date).alias("measured"),
        pl.col("date").dt.year().cast(pl.String).alias("year"),
    )
    frames["enterprise_days"] = counts.enterprise_days
    if scenario.subsidy is not None:
        judged = judge_subsidy(counts.enterprise_days, scenario.subsidy, per_enterprise)
        summary = subsidy_summary(judged, scenario.subsidy)
        # One table per enterprise: its attributes and end-of-run counts, then the rule's
        # judgement (first date each condition held, qualified date).
        new_columns = [c for c in judged.columns if c not in per_enterprise.columns]
        frames["enterprises"] = per_enterprise.join(
            judged.select("enterprise", *new_columns), on="enterprise", how="left"
        )
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
    economy = Economy(warnings=list(calendar.warnings))
    resolution = scenario.resolution
    if resolution is None:
        return economy
    node_days = frames["node_days"]
    if resolution.latency_sampling == "full":
        measured = node_days.filter(pl.col("measured"))
        total = int(
            measured.select(pl.col("resolutions").sum() + pl.col("registrations").sum()).item()
        )
        if total <= FULL_LIMIT:
            rng = streams.generator("enterprises", "node_traffic")
            economy.traffic = node_traffic(node_days, spec.hourly_shares(), run.start_date, rng)
            economy.info = {"latency_sampling": "full", "requests_simulated": total}
            return economy
        economy.warnings.append(
            f"resolution.latency_sampling: full would simulate {total:,} requests "
            f"(more than {FULL_LIMIT:,}); sampled the peak-hour windows instead"
        )
    windows = peak_windows(node_days, spec.hourly_shares())
    results = simulate_windows(resolution, windows, streams)
    frames["window_requests"] = results.requests
    frames["window_servers"] = results.servers
    economy.info = {
        "latency_sampling": "windows: the peak hour of the busiest weekday of each month",
        "windows": len(results.plan),
        "requests_simulated": results.simulated,
    }
    return economy
