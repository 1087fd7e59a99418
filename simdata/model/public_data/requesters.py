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
from simdata.model.public_data.catalogue import (
    OPENING_CLASSES,
    SHARING_CLASSES,
    Catalogue,
    CatalogueComponent,
)
from simdata.scenario.distributions import sample_integers
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import RequestersSpec
from simdata.scenario.units import DAY_S

COMPONENT = "requesters"
CHANNELS = ("sharing", "opening", "development")
#: A request's outcome codes in the sharing desk's record, by index.
OUTCOMES = ("open", "delivered", "rejected", "abandoned")
KINDS = ("government", "enterprise", "research", "social")
#: ``Simulated.info`` key: measured requests without an outcome when the run ended.
OPEN_AT_END = "requests_open_at_end"


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

    first_item, item_dataset = _draw_datasets(
        spec, catalogue, streams, (arrival, group, channel), backlog
    )
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
    requests: tuple[FloatArray, IntArray, IntArray],
    backlog: list[tuple[int, int]],
) -> tuple[IntArray, IntArray]:
    """Each request's datasets (``first_item``, ``item_dataset``): a count per request, then
    picks among the datasets existing at its arrival on its channel's list (weighted by
    the owner's demand), the first off the list for an outside-catalogue request; an
    initial-backlog request asks for one conditional dataset of its department."""
    arrival, group, channel = requests
    initial = group < 0
    rng_items = streams.generator(COMPONENT, "datasets")
    counts = np.ones(len(arrival), dtype=np.int64)
    outside = np.zeros(len(arrival), dtype=bool)
    rng_outside = streams.generator(COMPONENT, "outside")
    for index, member in enumerate(spec.groups):
        mine = group == index
        drawn = sample_integers(member.datasets_per_request, rng_items, int(mine.sum()))
        counts[mine] = np.maximum(drawn, 1)
        outside[mine] = rng_outside.random(int(mine.sum())) < member.outside_catalogue_share
    first_item = np.concatenate([[0], np.cumsum(counts)])
    existing = np.maximum(np.searchsorted(catalogue.created_s, arrival, side="right"), 1)
    picks = rng_items.random(int(counts.sum()))
    pool = np.repeat(_pool_of(channel), counts)
    pool[first_item[:-1][outside & (channel != _DEVELOPMENT)]] += 1  # the off-list pool
    item_dataset = _pick(catalogue, pool, np.repeat(existing, counts), picks)
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


#: Pools a requested dataset is drawn from: a channel's list and, next to it, its outside.
_ALL, _SHARED, _NOT_SHARED, _OPEN, _NOT_OPEN = range(5)
_DEVELOPMENT = CHANNELS.index("development")
#: Where a pool with no existing dataset falls back: outside → the list → the catalogue.
_FALLBACK = {_NOT_SHARED: _SHARED, _NOT_OPEN: _OPEN, _SHARED: _ALL, _OPEN: _ALL}


def _pool_of(channel: IntArray) -> IntArray:
    """The list each channel asks from: shareable (共享目录) for sharing, the opening list
    (开放目录) for opening; development (the agency's sandbox) the whole catalogue."""
    return np.choose(channel, [_SHARED, _OPEN, _ALL]).astype(np.int64)


def _pool_members(catalogue: Catalogue, pool: int) -> IntArray:
    if pool == _ALL:
        return np.arange(catalogue.size)
    if pool in (_SHARED, _NOT_SHARED):
        listed = catalogue.sharing != SHARING_CLASSES.index("not_shared")
    else:
        listed = catalogue.opening != OPENING_CLASSES.index("not_open")
    return np.flatnonzero(listed if pool in (_SHARED, _OPEN) else ~listed)


def _pick(catalogue: Catalogue, pool: IntArray, existing: IntArray, u: FloatArray) -> IntArray:
    """Dataset of each item: in its pool, among the first ``existing`` datasets (those
    registered by its arrival), with probability ∝ the dataset's weight; an empty pool
    falls back (:data:`_FALLBACK`)."""
    chosen = np.full(len(pool), -1, dtype=np.int64)
    for code in (_NOT_SHARED, _NOT_OPEN, _SHARED, _OPEN, _ALL):
        rows = np.flatnonzero((pool == code) & (chosen < 0))
        if len(rows) == 0:
            continue
        members = _pool_members(catalogue, code)
        cumulative = np.cumsum(catalogue.weight[members])
        k = np.searchsorted(members, existing[rows], side="left")  # members existing
        total = np.where(k > 0, cumulative[np.maximum(k - 1, 0)] if len(members) else 0.0, 0.0)
        ok = total > 0
        index = np.searchsorted(cumulative, u[rows[ok]] * total[ok], side="right")
        chosen[rows[ok]] = members[np.minimum(index, k[ok] - 1)]
        if code != _ALL:
            pool[rows[~ok]] = _FALLBACK[code]
    missing = chosen < 0  # an all-zero-weight catalogue: uniform among existing
    chosen[missing] = (u[missing] * existing[missing]).astype(np.int64)
    return chosen


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
        self.catalogue = catalogue.catalogue
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
                *self._audit_columns(arrival, work / calendar.workday_s),
            ),
        )
        self._record_daily(arrival, end)
        start, stop = self.window
        # The drain lets every request reach an outcome; one that did not is excluded from
        # delivered_within_sla_share, so the manifest counts them.
        measured = (arrival >= start) & (arrival < stop) & ~requests.initial
        still_open = recorded["outcome"].to_numpy() == OUTCOMES.index("open")
        self.world.info[OPEN_AT_END] = int((measured & still_open).sum())
        self.world.constants["window_work_s"] = float(calendar.work_between(start, stop))
        self.world.constants["workday_s"] = calendar.workday_s

    def _audit_columns(self, arrival: FloatArray, workdays: FloatArray) -> list[pl.Series]:
        """What ``requests.parquet`` adds for a planner checking the SLA shares by hand:
        the first dataset's department and class, the datasets asked for, working days
        and whether the KPIs count the request (the measured window, not the backlog)."""
        requests, catalogue = self.requests, self.catalogue
        first = requests.item_dataset[requests.first_item[:-1]]
        opening = requests.channel == CHANNELS.index("opening")
        data_class = np.where(
            opening,
            np.array(OPENING_CLASSES)[catalogue.opening[first]],
            np.array(SHARING_CLASSES)[catalogue.sharing[first]],
        )
        start, stop = self.window
        return [
            pl.Series("department", np.array(catalogue.departments)[catalogue.owner[first]]),
            pl.Series("data_class", data_class),
            pl.Series("datasets", np.diff(requests.first_item).astype(np.int64)),
            pl.Series("workdays", workdays),
            pl.Series("measured", (arrival >= start) & (arrival < stop) & ~requests.initial),
        ]

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
