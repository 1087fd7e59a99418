"""Assembly of the public-data sharing model: calendar, catalogue, requests, desk, agency.

``PublicDataModel`` builds the components of one replication, starts them in the SimPy
environment, and — once the run has drained — turns their columnar records into the
frames the KPIs read (``data_requests``, ``departments``, ``agency``, ``catalogue``) and
the daily series of ``timeseries.parquet`` (arrivals, completions, backlog).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import simpy

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.agency import Agency
from simdata.model.calendar import WorkCalendar
from simdata.model.catalogue import build_catalogue, record_catalogue
from simdata.model.policy import SharingDesk
from simdata.model.requesters import CHANNELS, KINDS, draw_requests
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import AgencySpec, CatalogueSpec, PolicySpec
from simdata.scenario.units import DAY_S

OUTCOMES = ("open", "delivered", "rejected", "abandoned")


def quarterly_report_times(start_date: Any, first_s: float, end_s: float) -> np.ndarray[Any, Any]:
    """Quarterly report due dates — the 20th of each quarter's last month (doc 001:54)."""
    import datetime as dt

    times: list[float] = []
    year = start_date.year - 1
    while True:
        for month in (3, 6, 9, 12):
            when = (dt.date(year, month, 20) - start_date).days * DAY_S
            if when >= end_s:
                return np.array(times, dtype=np.float64)
            if when >= first_s:
                times.append(when)
        year += 1


class PublicDataModel:
    """The public-data components of one replication."""

    def __init__(
        self, env: simpy.Environment, scenario: Scenario, streams: Streams, recorder: Recorder
    ) -> None:
        run = scenario.run
        if run.start_date is None or scenario.catalogue is None or scenario.requesters is None:
            raise ValueError("the public-data model needs run.start_date, catalogue, requesters")
        self.env = env
        self.recorder = recorder
        self.start_s, self.end_s = run.sim_start_s, run.horizon
        self.window = (run.measure_start_s, run.horizon)
        self.start_date = run.start_date
        self.calendar = WorkCalendar(
            scenario.calendar or CalendarSpec(), run.start_date, self.start_s, self.end_s
        )
        self.catalogue_spec: CatalogueSpec = scenario.catalogue
        self.catalogue = build_catalogue(
            scenario.catalogue, self.calendar, streams, self.start_s, self.end_s
        )
        self.requests = draw_requests(
            scenario.requesters, self.catalogue, self.calendar, streams, self.start_s, self.end_s
        )
        policy = scenario.policy or PolicySpec()
        agency_spec = scenario.agency or AgencySpec(enabled=False)
        cases = self.requests.count + len(self.requests.item_dataset)
        platform = policy.platform_time.sample(streams.generator("agency", "platform"), cases)
        self.agency = Agency(env, agency_spec, self.calendar, streams, recorder, cases, platform)
        self.agency_spec = agency_spec
        self.desk = SharingDesk(
            env, policy, scenario.catalogue, self.catalogue, self.requests, self.calendar,
            streams, recorder, self.agency,
        )  # fmt: skip
        self.groups = [g.name for g in scenario.requesters.groups] + ["initial backlog"]
        self.sla_s = policy.sla
        self.extension_s = policy.extension

    def start(self) -> None:
        self.desk.start()

    @property
    def warnings(self) -> list[str]:
        return list(self.calendar.warnings)

    def constants(self) -> dict[str, float]:
        """Model constants the KPIs need (window length in working time, staff, SLA)."""
        start, end = self.window
        return {
            "window_work_s": float(self.calendar.work_between(start, end)),
            "workday_s": self.calendar.workday_s,
            "sla_s": self.sla_s,
            "extension_s": self.extension_s,
            "sandbox_slots": float(self.agency_spec.sandbox_slots),
            "analysts": float(self.agency_spec.analysts),
        }

    def record(self) -> None:
        """Turn the run's records into KPI frames and daily series (after the drain)."""
        frames = self.recorder.tables
        requests = frames["data_requests"].frame()
        calendar = self.calendar
        arrival = requests["arrival_s"].to_numpy()
        end = requests["end_s"].to_numpy()
        done = ~np.isnan(end)
        work = np.full(len(end), np.nan)
        work[done] = calendar.work_between(arrival[done], end[done])
        group_names = np.array(self.groups)[self.requests.group]
        requests = requests.with_columns(
            pl.Series("work_s", work),
            pl.Series("outcome", np.array(OUTCOMES)[requests["outcome"].to_numpy()]),
            pl.Series("kind", np.array(KINDS)[self.requests.kind]),
            pl.Series("channel", np.array(CHANNELS)[self.requests.channel]),
            pl.Series("group", group_names),
            pl.Series("initial", self.requests.initial),
        )
        self.recorder.frames_extra["data_requests"] = requests
        self._record_departments()
        self._record_agency()
        record_catalogue(
            self.catalogue,
            self.recorder,
            calendar,
            self.window,
            quarterly_report_times(self.start_date, self.window[0], self.end_s),
        )
        self._record_daily(arrival, end)

    def _record_departments(self) -> None:
        reviews = self.recorder.tables["reviews"].frame()
        start, end = self.window
        calendar = self.calendar
        busy = np.zeros(len(self.catalogue.departments))
        waiting = np.zeros(len(self.catalogue.departments))
        if reviews.height:
            dept = reviews["department"].to_numpy()
            queued, begun, finished = (
                reviews[c].to_numpy() for c in ("queued_s", "start_s", "end_s")
            )
            finished = np.where(np.isnan(finished), end, finished)
            begun = np.where(np.isnan(begun), end, begun)
            lo, hi = np.clip(begun, start, end), np.clip(finished, start, end)
            np.add.at(busy, dept, calendar.work_between(lo, np.maximum(hi, lo)))
            wait = np.clip(np.minimum(begun, end) - np.maximum(queued, start), 0.0, None)
            np.add.at(waiting, dept, wait)
        self.recorder.frames_extra["departments"] = pl.DataFrame(
            {
                "department": self.catalogue.departments,
                "reviewers": self.desk.reviewer_counts,
                "busy_work_s": busy,
                "waiting_s": waiting,
            }
        )

    def _record_agency(self) -> None:
        projects = self.recorder.tables["projects"].frame()
        start, end = self.window
        slot = projects["slot_s"].to_numpy()
        published = projects["published_s"].to_numpy()
        a0, a1 = projects["analyst_start_s"].to_numpy(), projects["analyst_end_s"].to_numpy()
        slot_busy = np.clip(
            np.minimum(np.nan_to_num(published, nan=end), end) - np.maximum(slot, start), 0, None
        )
        lo = np.clip(np.nan_to_num(a0, nan=end), start, end)
        hi = np.clip(np.nan_to_num(a1, nan=end), start, end)
        analyst_busy = self.calendar.work_between(lo, np.maximum(hi, lo)) if len(lo) else lo
        self.recorder.frames_extra["agency"] = pl.DataFrame(
            {
                "slot_busy_s": [float(np.nansum(slot_busy))],
                "analyst_busy_work_s": [float(np.sum(analyst_busy))],
                "projects": [int(((published >= start) & (published < end)).sum())],
                "products": [int((published < end).sum())],
            }
        )

    def _record_daily(self, arrival: np.ndarray[Any, Any], end: np.ndarray[Any, Any]) -> None:
        first_day = np.floor(self.start_s / DAY_S) * DAY_S
        edges = np.arange(first_day, self.end_s + DAY_S, DAY_S)
        arrivals, _ = np.histogram(arrival, edges)
        completions, _ = np.histogram(end[~np.isnan(end)], edges)
        backlog = np.cumsum(arrivals) - np.cumsum(completions)
        days = edges[:-1]
        self.recorder.add_series("requests.arrivals", "day", days, arrivals)
        self.recorder.add_series("requests.completions", "day", days, completions)
        self.recorder.add_series("requests.backlog", "end of day", days, backlog)
