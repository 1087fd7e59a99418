"""The public data resource catalogue (公共数据资源目录): datasets, classes, updates, defects.

Counted, not simulated: a dataset's update schedule, late updates and data defects do not
interact with requests except through "is this dataset defective now?", so the whole
history of a replication is drawn in vectors when the catalogue is built — one row per
scheduled update — and requests query it with a binary search. This keeps a 5,000-dataset
catalogue with daily updates (≈ 2·10⁵ updates a year) out of the event list.

Mechanisms (DOMAIN.md §2(a), §5): each dataset has an owning department, a sharing class
(unconditional / conditional / not shared), an opening class (not open / ordinary / on
application) and an update period; a share of updates is late (the dataset is overdue from
the due time until the late update); an update brings a defect with some probability,
found after a detection time and fixed by the online correction process after a fix time
(both working time). New datasets can be registered over time (Poisson).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata.arrays import FloatArray, IntArray
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.component import World
from simdata.model.frames import CATALOGUE
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import CatalogueSpec, DepartmentTable
from simdata.scenario.units import DAY_S, DURATION_UNITS

COMPONENT = "catalogue"

SHARING_CLASSES = ("unconditional", "conditional", "not_shared")
OPENING_CLASSES = ("not_open", "ordinary", "on_application")
PERIODS = ("day", "week", "month", "quarter", "year")
_PERIOD_S = np.array(
    [DURATION_UNITS["d"], DURATION_UNITS["week"], DURATION_UNITS["month"],
     3 * DURATION_UNITS["month"], DURATION_UNITS["year"]]
)  # fmt: skip


def _class_draw(rng: np.random.Generator, shares: list[float], size: int) -> IntArray:
    return np.asarray(
        rng.choice(len(shares), size=size, p=np.array(shares) / sum(shares)), dtype=np.int64
    )


@dataclass
class Catalogue:
    """A replication's catalogue and its whole update/defect history."""

    departments: list[str]
    created_s: FloatArray  # sorted: initial datasets first (at the simulation start)
    owner: IntArray
    #: How often a request picks each dataset, relative: its department's demand share over
    #: the datasets it owns, so a department's datasets draw its demand share of picks.
    weight: FloatArray
    sharing: IntArray
    opening: IntArray
    period: IntArray
    # Defects, sorted by (dataset, occurrence); ends made cumulative-max per dataset.
    defect_dataset: IntArray
    defect_start_s: FloatArray
    defect_end_s: FloatArray
    defect_running_end_s: FloatArray
    # Overdue intervals [due, late update) of late updates.
    overdue_dataset: IntArray
    overdue_start_s: FloatArray
    overdue_end_s: FloatArray

    @property
    def size(self) -> int:
        return len(self.created_s)

    def existing(self, t: float) -> int:
        """Datasets registered at time t (they are indexed in order of registration)."""
        return int(np.searchsorted(self.created_s, t, side="right"))

    def defective(self, dataset: int, t: float) -> bool:
        """Whether a defect of ``dataset`` is open at time t."""
        key = np.searchsorted(self.defect_dataset, dataset, side="left")
        end = np.searchsorted(self.defect_dataset, dataset, side="right")
        if key == end:
            return False
        last = key + np.searchsorted(self.defect_start_s[key:end], t, side="right") - 1
        return bool(last >= key and self.defect_running_end_s[last] > t)


def _owners(
    table: DepartmentTable, rng: np.random.Generator, n: int
) -> tuple[IntArray, FloatArray]:
    """Each dataset's owning department (by datasets share) and each department's pick
    weight per dataset: its demand share over the datasets it got, so it draws its demand
    share of requests however many it owns."""
    count = len(table.names)
    if np.allclose(table.datasets_share, 1.0 / count):
        owner = rng.integers(0, count, n)
    else:
        owner = _class_draw(rng, list(table.datasets_share), n)
    owned = np.bincount(owner, minlength=count)
    per_dataset = np.divide(table.demand_share, owned, out=np.zeros(count), where=owned > 0)
    return owner, per_dataset


def build_catalogue(
    spec: CatalogueSpec,
    calendar: WorkCalendar,
    streams: Streams,
    start_s: float,
    end_s: float,
) -> Catalogue:
    """Draw the catalogue and its update history over ``[start_s, end_s)``."""
    rng_entities = streams.generator(COMPONENT, "datasets")
    rng_updates = streams.generator(COMPONENT, "updates")
    created = np.full(spec.datasets, start_s)
    if spec.new_datasets is not None:
        count = rng_entities.poisson(spec.new_datasets * (end_s - start_s))
        created = np.concatenate([created, np.sort(rng_entities.uniform(start_s, end_s, count))])
    n = len(created)
    table = spec.department_table()
    owner, per_dataset = _owners(table, rng_entities, n)
    sharing = _class_draw(rng_entities, list(spec.sharing_mix.model_dump().values()), n)
    opening = _class_draw(rng_entities, list(spec.opening_mix.model_dump().values()), n)
    period = _class_draw(rng_entities, list(spec.update_mix.model_dump().values()), n)
    period_s = _PERIOD_S[period]

    phase = rng_entities.uniform(0.0, 1.0, n) * period_s
    dataset, due = _scheduled_updates(created + phase, period_s, end_s)
    updates = len(due)

    late = rng_updates.random(updates) < spec.late_update_share
    late_by = spec.late_by.sample(rng_updates, updates)
    done = np.where(late, calendar.add_work(due, late_by), due)
    defect = rng_updates.random(updates) < spec.defect_probability
    detect = spec.detection_time.sample(rng_updates, updates)
    fix = spec.fix_time.sample(rng_updates, updates)
    found = calendar.add_work(done[defect], detect[defect])
    fixed = calendar.add_work(found, fix[defect])

    order = np.lexsort((done[defect], dataset[defect]))
    defect_dataset = dataset[defect][order]
    defect_start = done[defect][order]
    defect_end = fixed[order]
    running_end = (
        pl.DataFrame({"d": defect_dataset, "e": defect_end})
        .select(pl.col("e").cum_max().over("d"))["e"]
        .to_numpy()
    )
    return Catalogue(
        departments=table.names,
        created_s=created,
        owner=owner,
        weight=per_dataset[owner],
        sharing=sharing,
        opening=opening,
        period=period,
        defect_dataset=defect_dataset,
        defect_start_s=defect_start,
        defect_end_s=defect_end,
        defect_running_end_s=np.asarray(running_end, dtype=np.float64),
        overdue_dataset=dataset[late],
        overdue_start_s=due[late],
        overdue_end_s=done[late],
    )


def _scheduled_updates(
    first_due: FloatArray, period_s: FloatArray, end_s: float
) -> tuple[IntArray, FloatArray]:
    """Every scheduled update before ``end_s`` as (dataset, due time): dataset i is due at
    ``first_due_i + k·P_i``, k = 0, 1, …"""
    counts = np.maximum(np.ceil((end_s - first_due) / period_s), 0).astype(np.int64)
    dataset = np.repeat(np.arange(len(first_due)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return dataset, first_due[dataset] + k * period_s[dataset]


def _overlap(lo: FloatArray, hi: FloatArray, start: float, end: float) -> FloatArray:
    return np.asarray(np.clip(np.minimum(hi, end) - np.maximum(lo, start), 0.0, None))


def record_catalogue(
    catalogue: Catalogue,
    recorder: Recorder,
    calendar: WorkCalendar,
    window: tuple[float, float],
    report_times: FloatArray,
) -> None:
    """Record the catalogue frame (KPI inputs) and the quarterly report series."""
    start, end = window
    existence = _overlap(catalogue.created_s, np.full(catalogue.size, np.inf), start, end).sum()
    overdue = _overlap(catalogue.overdue_start_s, catalogue.overdue_end_s, start, end).sum()
    in_window = (catalogue.defect_start_s >= start) & (catalogue.defect_start_s < end)
    ages = catalogue.defect_end_s[in_window] - catalogue.defect_start_s[in_window]
    table = recorder.table(
        CATALOGUE,
        {"fresh_share": np.float64, "defect_age_mean_s": np.float64, "defects": np.int64},
        capacity=1,
    )
    row = table.reserve(1)
    table.columns["fresh_share"][row] = 1.0 - overdue / existence if existence > 0 else np.nan
    table.columns["defect_age_mean_s"][row] = ages.mean() if len(ages) else np.nan
    table.columns["defects"][row] = int(in_window.sum())
    if len(report_times) == 0:
        return
    size = np.searchsorted(catalogue.created_s, report_times, side="right").astype(np.float64)
    open_overdue = (
        (catalogue.overdue_start_s[None, :] <= report_times[:, None])
        & (catalogue.overdue_end_s[None, :] > report_times[:, None])
    ).sum(axis=1)
    open_defects = (
        (catalogue.defect_start_s[None, :] <= report_times[:, None])
        & (catalogue.defect_end_s[None, :] > report_times[:, None])
    ).sum(axis=1)
    recorder.add_series("catalogue.size", "report", report_times, size)
    recorder.add_series(
        "catalogue.fresh_share", "report", report_times, 1.0 - open_overdue / np.maximum(size, 1)
    )
    recorder.add_series("catalogue.open_defects", "report", report_times, open_defects)


def quarterly_report_times(
    start_date: dt.date, first_s: float, end_s: float, calendar: WorkCalendar
) -> FloatArray:
    """Quarterly report stamps: due the 20th of each quarter's last month (doc 001:54:
    "before the 20th"), stamped on the last working day on or before it — never on a
    weekend or holiday (an always-open calendar keeps the 20th)."""
    times: list[float] = []
    year = start_date.year - 1
    while True:
        for month in (3, 6, 9, 12):
            when = (report_day(year, month, calendar) - start_date).days * DAY_S
            if when >= end_s:
                return np.array(times, dtype=np.float64)
            if when >= first_s:
                times.append(when)
        year += 1


def report_day(year: int, month: int, calendar: WorkCalendar) -> dt.date:
    """The last working day on or before the 20th of ``month`` (a month has ≥ 1 working
    day in its first 20 days under any real schedule; after 20 days back the 20th stays)."""
    due = dt.date(year, month, 20)
    for back in range(20):
        day = due - dt.timedelta(days=back)
        if calendar.is_workday(day):
            return day
    return due


class CatalogueComponent:
    """The catalogue in the world: its whole update and defect history drawn when it is
    built (nothing in it queues), its freshness and quarterly reports recorded after the
    run."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.requesters is not None and scenario.catalogue is not None

    def __init__(self, world: World) -> None:
        run, spec = world.scenario.run, world.scenario.catalogue
        if spec is None or run.start_date is None:
            raise ValueError("the catalogue needs a catalogue section and run.start_date")
        self.world = world
        self.spec: CatalogueSpec = spec
        self.start_date = run.start_date
        self.catalogue = build_catalogue(
            spec, world.calendar, world.streams, run.sim_start_s, run.horizon
        )

    def start(self) -> None:
        return None

    def finish(self) -> None:
        run = self.world.scenario.run
        window = (run.measure_start_s, run.horizon)
        reports = quarterly_report_times(
            self.start_date, window[0], run.horizon, self.world.calendar
        )
        record_catalogue(self.catalogue, self.world.recorder, self.world.calendar, window, reports)
