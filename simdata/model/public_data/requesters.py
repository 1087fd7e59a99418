"""Data requesters: who asks for which datasets, when, through which channel.

Arrivals are a non-homogeneous Poisson process over working hours: a group's rate is per
working time (``50/workday``), so requests arrive only while offices are open, optionally
growing (``3%/month``, by thinning). Everything a request will need — its group, channel,
datasets and every random effort on its path — is drawn here, in vectors, when the
replication starts, from the requester component's streams. Policy variants with the same
seed therefore see the same requests (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from simdata.arrays import FloatArray, IntArray
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.component import World
from simdata.model.frames import DATA_REQUESTS
from simdata.model.public_data.catalogue import Catalogue, CatalogueComponent
from simdata.scenario.distributions import sample_integers
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import RequestersSpec
from simdata.scenario.units import DAY_S

COMPONENT = "requesters"
CHANNELS = ("sharing", "opening", "development")
#: A request's outcome codes in the sharing desk's record, by index.
OUTCOMES = ("open", "delivered", "rejected", "abandoned")
KINDS = ("government", "enterprise", "research", "social")


@dataclass
class Requests:
    """All requests of a replication in arrival order, and their datasets (flattened)."""

    arrival_s: FloatArray
    group: IntArray
    kind: IntArray
    channel: IntArray
    patience_s: FloatArray  # inf = infinite patience
    initial: np.ndarray[Any, np.dtype[np.bool_]]
    first_item: IntArray  # items of request r are first_item[r] : first_item[r + 1]
    item_dataset: IntArray

    @property
    def count(self) -> int:
        return len(self.arrival_s)


def _arrival_times(
    rate_per_work_s: float,
    growth_per_s: float,
    calendar: WorkCalendar,
    rng: np.random.Generator,
    start_s: float,
    end_s: float,
) -> FloatArray:
    """NHPP arrivals in office hours over [start_s, end_s), rate × exp(growth · t)."""
    w0, w1 = calendar.work_s(start_s), calendar.work_s(end_s)
    peak = max(np.exp(growth_per_s * start_s), np.exp(growth_per_s * end_s))
    count = rng.poisson(rate_per_work_s * peak * (w1 - w0))
    times = calendar.elapsed_s(np.sort(rng.uniform(w0, w1, count)))
    keep = rng.random(count) < np.exp(growth_per_s * times) / peak
    times = times[keep]
    return np.asarray(times[times < end_s], dtype=np.float64)


def draw_requests(
    spec: RequestersSpec,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    streams: Streams,
    start_s: float,
    end_s: float,
) -> Requests:
    """Draw every request of the replication (arrivals, channels, datasets)."""
    arrival_parts, group_parts, channel_parts = [], [], []
    rng_channel = streams.generator(COMPONENT, "channel")
    for index, member in enumerate(spec.groups):
        rng = streams.generator(COMPONENT, f"arrivals/{member.name}")
        growth = member.growth.per_s if member.growth is not None else 0.0
        times = _arrival_times(member.rate, growth, calendar, rng, start_s, end_s)
        channels = member.channels()
        codes = np.array([CHANNELS.index(c) for c in channels], dtype=np.int64)
        shares = np.array(list(channels.values()))
        channel_parts.append(codes[rng_channel.choice(len(codes), len(times), p=shares)])
        arrival_parts.append(times)
        group_parts.append(np.full(len(times), index, dtype=np.int64))
    backlog = [
        (catalogue.departments.index(name), count) for name, count in spec.initial_backlog.items()
    ]
    initial_count = sum(count for _, count in backlog)
    arrival = np.concatenate([*arrival_parts, np.zeros(initial_count)])
    group = np.concatenate([*group_parts, np.full(initial_count, -1, dtype=np.int64)])
    channel = np.concatenate(
        [*channel_parts, np.full(initial_count, CHANNELS.index("sharing"), dtype=np.int64)]
    )
    order = np.argsort(arrival, kind="stable")
    arrival, group, channel = arrival[order], group[order], channel[order]
    initial = group < 0
    kinds = np.array([KINDS.index(g.kind) for g in spec.groups] + [0], dtype=np.int64)
    kind = kinds[group]
    patience = np.array(
        [g.patience if g.patience is not None else np.inf for g in spec.groups] + [np.inf]
    )[group]

    first_item, item_dataset = _draw_datasets(spec, catalogue, streams, arrival, group, backlog)
    return Requests(
        arrival_s=arrival,
        group=group,
        kind=kind,
        channel=channel,
        patience_s=patience,
        initial=initial,
        first_item=first_item,
        item_dataset=item_dataset,
    )


def _draw_datasets(
    spec: RequestersSpec,
    catalogue: Catalogue,
    streams: Streams,
    arrival: FloatArray,
    group: IntArray,
    backlog: list[tuple[int, int]],
) -> tuple[IntArray, IntArray]:
    """Each request's datasets (``first_item``, ``item_dataset``): a count per request, then
    uniform picks among the datasets existing at its arrival; an initial-backlog request
    asks for one conditional dataset of its department."""
    initial = group < 0
    rng_items = streams.generator(COMPONENT, "datasets")
    counts = np.ones(len(arrival), dtype=np.int64)
    for index, member in enumerate(spec.groups):
        mine = group == index
        drawn = sample_integers(member.datasets_per_request, rng_items, int(mine.sum()))
        counts[mine] = np.maximum(drawn, 1)
    first_item = np.concatenate([[0], np.cumsum(counts)])
    existing = np.maximum(np.searchsorted(catalogue.created_s, arrival, side="right"), 1)
    picks = rng_items.random(int(counts.sum()))
    item_dataset = (picks * np.repeat(existing, counts)).astype(np.int64)
    for (dept, count), rows in zip(
        backlog, _split(np.flatnonzero(initial), [c for _, c in backlog]), strict=True
    ):
        candidates = np.flatnonzero((catalogue.owner == dept) & (catalogue.sharing == 1))
        if len(candidates) == 0:
            candidates = np.flatnonzero(catalogue.owner == dept)
        if len(candidates) == 0 or count == 0:
            continue
        item_dataset[first_item[rows]] = candidates[
            rng_items.integers(0, len(candidates), len(rows))
        ]
    return first_item, item_dataset


def _split(rows: IntArray, sizes: list[int]) -> list[IntArray]:
    return np.split(rows, np.cumsum(sizes)[:-1]) if sizes else []


class RequestersComponent:
    """The data requesters in the world: every request drawn when they are built (arrival,
    datasets, needs — by request index, so variants see the same requests); after the run,
    the requests' record completed with who asked and the working time they waited, and
    the daily arrivals, completions and backlog."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.requesters is not None and scenario.catalogue is not None

    def __init__(self, world: World) -> None:
        run, spec = world.scenario.run, world.scenario.requesters
        catalogue = world.get(CatalogueComponent)
        if spec is None or catalogue is None:
            raise ValueError("the requesters need a requesters section and a catalogue")
        self.world = world
        self.start_s, self.end_s = run.sim_start_s, run.horizon
        self.window = (run.measure_start_s, run.horizon)
        self.requests = draw_requests(
            spec, catalogue.catalogue, world.calendar, world.streams, self.start_s, self.end_s
        )
        self.groups = [g.name for g in spec.groups] + ["initial backlog"]

    def start(self) -> None:
        return None

    def finish(self) -> None:
        recorded = self.world.recorder.get(DATA_REQUESTS)
        if recorded is None:
            raise ValueError("no data_requests record: the sharing policy did not take part")
        calendar = self.world.calendar
        arrival, end = recorded["arrival_s"].to_numpy(), recorded["end_s"].to_numpy()
        done = ~np.isnan(end)
        work = np.full(len(end), np.nan)
        work[done] = calendar.work_between(arrival[done], end[done])
        requests = self.requests
        self.world.recorder.put(
            DATA_REQUESTS,
            recorded.with_columns(
                pl.Series("work_s", work),
                pl.Series("outcome", np.array(OUTCOMES)[recorded["outcome"].to_numpy()]),
                pl.Series("kind", np.array(KINDS)[requests.kind]),
                pl.Series("channel", np.array(CHANNELS)[requests.channel]),
                pl.Series("group", np.array(self.groups)[requests.group]),
                pl.Series("initial", requests.initial),
            ),
        )
        self._record_daily(arrival, end)
        start, stop = self.window
        self.world.constants["window_work_s"] = float(calendar.work_between(start, stop))
        self.world.constants["workday_s"] = calendar.workday_s

    def _record_daily(self, arrival: FloatArray, end: FloatArray) -> None:
        first_day = np.floor(self.start_s / DAY_S) * DAY_S
        edges = np.arange(first_day, self.end_s + DAY_S, DAY_S)
        arrivals, _ = np.histogram(arrival, edges)
        completions, _ = np.histogram(end[~np.isnan(end)], edges)
        backlog = np.cumsum(arrivals) - np.cumsum(completions)
        days = edges[:-1]
        recorder = self.world.recorder
        recorder.add_series("requests.arrivals", "day", days, arrivals)
        recorder.add_series("requests.completions", "day", days, completions)
        recorder.add_series("requests.backlog", "end of day", days, backlog)
