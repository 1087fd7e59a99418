"""The identifier economy: enterprises on the secondary node, counted day by day.

Counted, not simulated (DESIGN "count where you can"): enterprises are drawn by index, their
daily registrations, resolutions and innovative cases are exact counts drawn in vectors
(:mod:`simdata.model.identifiers.enterprises`); this module turns them into the frames the
KPIs read — ``node_days`` and ``enterprises`` — and the per-enterprise tables written to the
run directory (``enterprises.parquet``, ``enterprise_days.parquet``). The Zhanjiang rule is
judged by :mod:`simdata.model.identifiers.subsidy`; the node's latency under the traffic
these counts imply is sampled by the resolution node's component.
"""

from __future__ import annotations

import polars as pl

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.component import World
from simdata.model.frames import ENTERPRISE_DAYS, ENTERPRISES, NODE_DAYS, REGISTRATION_MILESTONES
from simdata.model.identifiers.enterprises import (
    daily_counts,
    draw_enterprises,
    enterprise_frame,
)
from simdata.model.identifiers.milestones import milestone_frame, targeted_dates, with_periods
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario


def record_identifier_economy(
    scenario: Scenario, streams: Streams, recorder: Recorder, calendar: WorkCalendar | None
) -> None:
    """Draw and count the enterprises; record ``node_days`` (with cumulative and new
    identifiers and the calendar periods of the milestones), ``registration_milestones``
    (the days targets name), ``enterprise_days`` and ``enterprises`` (their attributes and
    end-of-run counts)."""
    run, spec = scenario.run, scenario.enterprises
    if spec is None or run.start_date is None:
        raise ValueError("the identifier economy needs an enterprises section and a start date")
    if calendar is None:
        calendar = WorkCalendar(
            scenario.calendar or CalendarSpec(), run.start_date, run.sim_start_s, run.horizon
        )
    start_s, end_s = run.sim_start_s, run.horizon
    enterprises = draw_enterprises(spec, calendar, streams, start_s, end_s, run.start_date)
    counts = daily_counts(enterprises, spec, calendar, streams, start_s, end_s)
    # Identifiers on the node: the initial enterprises' stock plus every registration.
    stock = int(enterprises.start_identifiers[enterprises.initial].sum())
    # New identifiers: registered on or after the start date (not the stock, not warm-up days).
    measured = pl.col("date") >= run.start_date
    node_days = with_periods(
        counts.node_days.with_columns(
            (pl.col("registrations").cum_sum() + stock).alias("identifiers"),
            pl.when(measured)
            .then(pl.col("registrations"))
            .otherwise(0)
            .cum_sum()
            .alias("new_identifiers"),
            measured.alias("measured"),
        ),
        run.start_date,
    )
    recorder.put(NODE_DAYS, node_days)
    recorder.put(REGISTRATION_MILESTONES, milestone_frame(node_days, targeted_dates(scenario)))
    recorder.put(ENTERPRISE_DAYS, counts.enterprise_days)
    recorder.put(ENTERPRISES, enterprise_frame(enterprises, run.start_date, counts))


class EnterprisesComponent:
    """The enterprises on the secondary node, as a world component: everything is counted
    when it is built (no SimPy process), so the subsidy and the node can read the counts."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.enterprises is not None and scenario.run.start_date is not None

    def __init__(self, world: World) -> None:
        record_identifier_economy(world.scenario, world.streams, world.recorder, world.calendar)

    def start(self) -> None:
        return None

    def finish(self) -> None:
        return None
