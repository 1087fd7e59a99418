"""Enterprises on an identifier-resolution secondary node: counted, not simulated.

Millions of resolutions a day do not need one event each to answer the subsidy question
("does this enterprise reach 1,000 a day?"), so this component draws its whole history in
vectors (DESIGN.md, "count where you can"):

1. :func:`draw_enterprises` — who joins and when (Bass diffusion or a growing Poisson
   process), when each files its prefix (备案, working time through the calendar), its final
   identifier count, ramp time and usage intensity. Every attribute comes from its own
   stream of component ``enterprises`` and is drawn **by enterprise index** (enterprises
   are numbered in order of joining, the ones already on the node at the start first), so
   a policy variant that changes, say, usage intensity sees the same enterprises joining
   on the same dates with the same identifier counts (common random numbers).
2. :func:`iter_enterprise_days` / :func:`daily_counts` — for each simulated calendar day and
   each enterprise that has joined, exact counts: registrations (deterministic batches),
   resolutions and cases (Poisson counts of the day's non-homogeneous process, whose total
   over a day is Poisson with the integrated rate). Days are processed in blocks, each one
   a (days × enterprises) array computation, so memory is bounded by the block and the
   rows of the output.

Rules (see :class:`~simdata.scenario.identifiers.EnterprisesSpec`):

* **Registrations.** Batches on working days, every ``batch_every_workdays`` working days
  from the first working day on or after the filing date, up to the last such day within
  ``ramp_time`` of filing (at least one batch). With B batches the cumulative count after
  j batches is ``start + (final − start)·j // B``: integers summing exactly to the final
  count. Batches past the simulated span are not counted.
* **Resolutions** on day d: Poisson with mean ``intensity × identifiers registered before
  d × factor(d)`` (identifiers registered on a day are resolved from the next day). The
  factor is ``weekday_factor`` on working days (调休 weekend days included),
  ``holiday_factor`` on days off that are statutory holidays (a named holiday in
  chinese-calendar, a Monday–Friday day off, or a scenario holiday) and ``weekend_factor``
  on other days off. Day types come from the statutory calendar even when the scenario's
  office calendar is ``always_open``.
* **Cases** on day d, from the joining day: Poisson with mean ``(rate + per_identifier ×
  identifiers before d) × 1 d``.
* **Hours.** The node's hourly load is the daily total split multinomially by the hourly
  weights (:func:`simdata.model.resolution.component.node_traffic`).

Bass adoption draws each candidate's adoption time from the Bass distribution F(t) (its
original reading: F is the distribution of one adopter's time), so the expected number
joined by t is exactly ``market_size·F(t)`` and candidate i keeps its uniform draw in every
variant. Times are in months of 30.4375 d from the simulation start. Enterprises listed
under ``initial`` are outside the adoption model.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
import numpy as np
import polars as pl

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine.streams import Streams
from simdata.model.calendar import PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR, WorkCalendar
from simdata.scenario.distributions import Distribution, sample_integers
from simdata.scenario.identifiers import BassAdoption, EnterprisesSpec, PoissonAdoption
from simdata.scenario.units import DAY_S, DURATION_UNITS

COMPONENT = "enterprises"

MONTH_S = DURATION_UNITS["month"]

#: Day types, in the order of :attr:`DailyCounts.node_days`'s ``day_type`` codes.
DAY_TYPES = ("weekday", "weekend", "holiday")
WEEKDAY, WEEKEND, HOLIDAY = 0, 1, 2

#: Days computed together (rows of one block array).
BLOCK_DAYS = 64


@dataclass
class Enterprises:
    """A replication's enterprises, indexed in order of joining (initial ones first)."""

    initial: BoolArray  # already on the node at the start
    joined_s: FloatArray
    filed_s: FloatArray  # prefix filing (备案) done; registrations start after it
    start_identifiers: IntArray  # registered when joining (initial stock; 0 for joiners)
    final_identifiers: IntArray  # ≥ start_identifiers
    ramp_s: FloatArray
    intensity: FloatArray  # resolutions per identifier per working day
    initial_cases: IntArray

    @property
    def size(self) -> int:
        return len(self.joined_s)


def _sample(dist: Distribution, streams: Streams, purpose: str, n: int) -> FloatArray:
    return np.maximum(dist.sample(streams.generator(COMPONENT, purpose), n), 0.0)


def bass_cumulative(p: float, q: float, months: FloatArray | float) -> FloatArray:
    """Bass's F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)e^{−(p+q)t}), t in months."""
    decay = np.exp(-(p + q) * np.asarray(months, dtype=np.float64))
    return np.asarray((1.0 - decay) / (1.0 + (q / p) * decay), dtype=np.float64)


def _bass_times(adoption: BassAdoption, rng: np.random.Generator) -> FloatArray:
    """Adoption times (months from the start) of every candidate, by inverse transform."""
    p, q = adoption.p, adoption.q
    u = rng.random(adoption.market_size)
    return np.asarray(-np.log((1.0 - u) / (1.0 + (q / p) * u)) / (p + q), dtype=np.float64)


def _poisson_times(adoption: PoissonAdoption, rng: np.random.Generator, span: float) -> FloatArray:
    """Arrival times (s from the start) of a Poisson process of rate λ0·e^{g·t} in [0, span).

    Arrivals are unit-rate points in cumulative-intensity space, drawn as exponential gaps
    in blocks, so the first k arrivals are the same whatever the span (prefix-stable).
    """
    rate = adoption.rate
    g = adoption.growth.per_s if adoption.growth is not None else 0.0
    total = rate * span if g == 0.0 else rate * math.expm1(g * span) / g
    points: list[FloatArray] = []
    reached = 0.0
    block = max(16, int(total * 1.1) + 16)
    while reached <= total:
        cumulative = reached + np.cumsum(rng.exponential(1.0, block))
        points.append(cumulative)
        reached = float(cumulative[-1])
    arrivals = np.concatenate(points) if points else np.empty(0)
    arrivals = arrivals[arrivals < total]
    if g == 0.0:
        return np.asarray(arrivals / rate, dtype=np.float64)
    return np.asarray(np.log1p(g * arrivals / rate) / g, dtype=np.float64)


def joining_times(
    spec: EnterprisesSpec, streams: Streams, start_s: float, end_s: float
) -> FloatArray:
    """Sorted joining times in ``[start_s, end_s)`` of the enterprises the adoption brings."""
    rng = streams.generator(COMPONENT, "joining")
    adoption = spec.adoption
    if isinstance(adoption, BassAdoption):
        times = start_s + _bass_times(adoption, rng) * MONTH_S
        times = times[times < end_s]
    else:
        times = start_s + _poisson_times(adoption, rng, end_s - start_s)
    return np.sort(times)


def draw_enterprises(
    spec: EnterprisesSpec,
    calendar: WorkCalendar,
    streams: Streams,
    start_s: float,
    end_s: float,
    start_date: dt.date,
) -> Enterprises:
    """Draw the enterprises on the node over ``[start_s, end_s)`` (see module docstring).

    ``start_date`` is the calendar date of time 0 (it must be ``calendar.start_date``).
    """
    if start_date != calendar.start_date:
        raise ValueError(
            f"start_date: expected the calendar's start date {calendar.start_date}, "
            f"got {start_date}"
        )
    k = len(spec.initial)
    joined = joining_times(spec, streams, start_s, end_s)
    m = len(joined)
    delay = _sample(spec.filing_delay, streams, "filing_delay", m)
    filed = np.maximum(calendar.add_work(joined, delay), joined) if m else joined.copy()
    final = sample_integers(spec.final_identifiers, streams.generator(COMPONENT, "final"), m)
    ramp = _sample(spec.ramp_time, streams, "ramp_time", m)
    intensity = _sample(spec.usage_intensity, streams, "usage_intensity", m)

    # Enterprises already on the node: their own streams, so listing them keeps the joiners.
    init_ramp = _sample(spec.ramp_time, streams, "initial/ramp_time", k)
    init_drawn = _sample(spec.usage_intensity, streams, "initial/usage_intensity", k)
    init_start = np.array([e.identifiers for e in spec.initial], dtype=np.int64)
    init_final = np.array(
        [
            e.identifiers if e.final_identifiers is None else e.final_identifiers
            for e in spec.initial
        ],
        dtype=np.int64,
    )
    init_intensity = np.array(
        [
            drawn if e.usage_intensity is None else e.usage_intensity
            for e, drawn in zip(spec.initial, init_drawn, strict=True)
        ],
        dtype=np.float64,
    )
    init_cases = np.array([e.cases for e in spec.initial], dtype=np.int64)
    return Enterprises(
        initial=np.concatenate([np.ones(k, np.bool_), np.zeros(m, np.bool_)]),
        joined_s=np.concatenate([np.full(k, start_s), joined]),
        filed_s=np.concatenate([np.full(k, start_s), filed]),
        start_identifiers=np.concatenate([init_start, np.zeros(m, np.int64)]),
        final_identifiers=np.concatenate([init_final, final]),
        ramp_s=np.concatenate([init_ramp, ramp]),
        intensity=np.concatenate([init_intensity, intensity]),
        initial_cases=np.concatenate([init_cases, np.zeros(m, np.int64)]),
    )


# -- days ------------------------------------------------------------------------------


def _statutory_calendar(calendar: WorkCalendar) -> WorkCalendar:
    """The calendar whose working days are the statutory ones (even if offices never close)."""
    if not calendar.always_open:
        return calendar
    spec = calendar.spec.model_copy(update={"always_open": False})
    return WorkCalendar(spec, calendar.start_date, calendar.first_s, calendar.first_s)


def day_types(calendar: WorkCalendar, first_day: int, n_days: int) -> IntArray:
    """Day type (:data:`WEEKDAY`, :data:`WEEKEND`, :data:`HOLIDAY`) of each day index
    ``first_day …`` (days from the calendar's start date)."""
    statutory = _statutory_calendar(calendar)
    scenario_holidays = set(calendar.spec.holidays)
    types = np.empty(n_days, dtype=np.int64)
    for offset in range(n_days):
        day = calendar.start_date + dt.timedelta(days=first_day + offset)
        if statutory.is_workday(day):
            types[offset] = WEEKDAY
            continue
        named = False
        if PACKAGE_FIRST_YEAR <= day.year <= PACKAGE_LAST_YEAR:
            holiday, name = chinese_calendar.get_holiday_detail(day)
            named = bool(holiday) and name is not None
        statutory_day = named or day.weekday() < 5 or day in scenario_holidays
        types[offset] = HOLIDAY if statutory_day else WEEKEND
    return types


class _WorkdayIndex:
    """Working days before a day: ``before(d)`` counts working days in ``[first, d)``.

    Exact (calendar) inside the simulated days; beyond them Monday–Friday (numpy's business
    days), which only matters for ramps that end after the horizon.
    """

    def __init__(self, start_date: dt.date, first_day: int, types: IntArray) -> None:
        self.first_day = first_day
        self.last_day = first_day + len(types)  # exclusive
        self.table = np.concatenate([[0], np.cumsum(types == WEEKDAY)]).astype(np.int64)
        self.base = np.datetime64(start_date, "D")

    def before(self, day: IntArray) -> IntArray:
        day = np.asarray(day, dtype=np.int64)
        inside = np.clip(day, self.first_day, self.last_day) - self.first_day
        counted = self.table[inside]
        beyond = np.maximum(day - self.last_day, 0)
        extra = np.busday_count(self.base + self.last_day, self.base + self.last_day + beyond)
        return np.asarray(counted + extra, dtype=np.int64)


def _day_of(t: FloatArray) -> IntArray:
    return np.floor(np.asarray(t) / DAY_S).astype(np.int64)


@dataclass
class DayBlock:
    """Counts of a block of consecutive days: per-day node totals and per-row counts."""

    days: IntArray  # day indices (days from the start date), shape (D,)
    day_type: IntArray  # (D,)
    node_registrations: IntArray  # (D,) sums over enterprises
    node_resolutions: IntArray
    node_cases: IntArray
    row_day: IntArray  # rows: one per (day, enterprise that has joined), day-major
    row_enterprise: IntArray
    row_registrations: IntArray
    row_resolutions: IntArray
    row_cases: IntArray
    identifiers_end: IntArray  # (n,) identifiers registered by the end of the block


def _ceil_div(a: IntArray, k: int) -> IntArray:
    return np.asarray(-((-a) // k), dtype=np.int64)


@dataclass(frozen=True)
class _Batches:
    """When each enterprise registers: equal shares (integers summing exactly to its final
    count) every ``every`` working days from its first batch, ``count`` batches in all."""

    first: IntArray
    count: IntArray
    start_ids: IntArray
    to_register: IntArray
    every: int

    @classmethod
    def of(
        cls, enterprises: Enterprises, every: int, index: _WorkdayIndex, end_day: int
    ) -> _Batches:
        first = index.before(_day_of(enterprises.filed_s))  # workday index of batch one
        # Ramps far past the horizon only need their batch count: cap them at ~2,700 years.
        ramp_end_day = np.minimum(
            _day_of(enterprises.filed_s + enterprises.ramp_s), end_day + 10**6
        )
        last = index.before(ramp_end_day + 1) - 1
        start_ids = enterprises.start_identifiers
        return cls(
            first=first,
            count=np.maximum((last - first) // every + 1, 1),
            start_ids=start_ids,
            to_register=enterprises.final_identifiers - start_ids,
            every=every,
        )

    def registered(self, workdays: IntArray) -> IntArray:
        """Identifiers each enterprise holds (columns) after each day's workdays (rows)."""
        done = np.clip(
            _ceil_div(workdays[:, None] - self.first[None, :], self.every), 0, self.count
        )
        return np.asarray(self.start_ids + self.to_register * done // self.count, dtype=np.int64)


def iter_enterprise_days(
    enterprises: Enterprises,
    spec: EnterprisesSpec,
    calendar: WorkCalendar,
    streams: Streams,
    start_s: float,
    end_s: float,
    block_days: int = BLOCK_DAYS,
) -> Iterator[DayBlock]:
    """The daily counts of ``[start_s, end_s)`` in blocks of ``block_days`` days.

    Every day whose start is before ``end_s`` is counted in full. Resolutions and cases
    come from streams ``resolutions`` and ``cases``, drawn block after block.
    """
    first_day = math.floor(start_s / DAY_S)
    end_day = math.ceil(end_s / DAY_S)
    n_days = max(end_day - first_day, 0)
    types = day_types(calendar, first_day, n_days)
    index = _WorkdayIndex(calendar.start_date, first_day, types)
    factors = np.array([spec.weekday_factor, spec.weekend_factor, spec.holiday_factor])
    joined_day = _day_of(enterprises.joined_s)
    batches = _Batches.of(enterprises, spec.batch_every_workdays, index, end_day)
    start_ids = enterprises.start_identifiers
    case_base = spec.cases.base_per_s * DAY_S
    case_per_id = spec.cases.per_identifier_per_s * DAY_S
    rng_res = streams.generator(COMPONENT, "resolutions")
    rng_cases = streams.generator(COMPONENT, "cases")
    identifiers_end = start_ids.copy()

    for lo in range(0, n_days, block_days):
        days = np.arange(first_day + lo, first_day + min(lo + block_days, n_days), dtype=np.int64)
        block_types = types[lo : lo + len(days)]
        before = index.before(days)
        after = before + (block_types == WEEKDAY)

        active = days[:, None] >= joined_day[None, :]
        ids_start = np.where(active, batches.registered(before), 0)
        ids_end = np.where(active, batches.registered(after), 0)
        registrations = ids_end - ids_start
        mean_res = ids_start * enterprises.intensity[None, :] * factors[block_types][:, None]
        resolutions = rng_res.poisson(mean_res).astype(np.int64)
        mean_cases = np.where(active, case_base + case_per_id * ids_start, 0.0)
        cases = rng_cases.poisson(mean_cases).astype(np.int64)
        if len(days):
            identifiers_end = np.where(active[-1], ids_end[-1], identifiers_end)
        rows, cols = np.nonzero(active)
        yield DayBlock(
            days=days,
            day_type=block_types,
            node_registrations=registrations.sum(axis=1),
            node_resolutions=resolutions.sum(axis=1),
            node_cases=cases.sum(axis=1),
            row_day=days[rows],
            row_enterprise=cols.astype(np.int64),
            row_registrations=registrations[rows, cols],
            row_resolutions=resolutions[rows, cols],
            row_cases=cases[rows, cols],
            identifiers_end=identifiers_end.copy(),
        )


@dataclass
class DailyCounts:
    """The counted history of a replication."""

    #: enterprise, date, registrations, resolutions, cases (one row per joined enterprise-day).
    enterprise_days: pl.DataFrame
    #: date, day_type, registrations, resolutions, cases: the node's totals per day.
    node_days: pl.DataFrame
    #: Identifiers each enterprise has registered at the end of the span (initial stock included).
    identifiers_end: IntArray


def _dates(start_date: dt.date, days: IntArray) -> Any:
    return np.datetime64(start_date, "D") + days.astype("timedelta64[D]")


def daily_counts(
    enterprises: Enterprises,
    spec: EnterprisesSpec,
    calendar: WorkCalendar,
    streams: Streams,
    start_s: float,
    end_s: float,
) -> DailyCounts:
    """All of :func:`iter_enterprise_days` as frames (see :class:`DailyCounts`)."""
    start_date = calendar.start_date
    row_frames: list[pl.DataFrame] = []
    node_frames: list[pl.DataFrame] = []
    identifiers_end = enterprises.start_identifiers.copy()
    for block in iter_enterprise_days(enterprises, spec, calendar, streams, start_s, end_s):
        row_frames.append(
            pl.DataFrame(
                {
                    "enterprise": block.row_enterprise,
                    "date": _dates(start_date, block.row_day),
                    "registrations": block.row_registrations,
                    "resolutions": block.row_resolutions,
                    "cases": block.row_cases,
                }
            )
        )
        node_frames.append(
            pl.DataFrame(
                {
                    "date": _dates(start_date, block.days),
                    "day_type": [DAY_TYPES[t] for t in block.day_type],
                    "registrations": block.node_registrations,
                    "resolutions": block.node_resolutions,
                    "cases": block.node_cases,
                }
            )
        )
        identifiers_end = block.identifiers_end
    row_schema = {
        "enterprise": pl.Int64,
        "date": pl.Date,
        "registrations": pl.Int64,
        "resolutions": pl.Int64,
        "cases": pl.Int64,
    }
    node_schema = {"date": pl.Date, "day_type": pl.String} | dict.fromkeys(
        ("registrations", "resolutions", "cases"), pl.Int64
    )
    return DailyCounts(
        enterprise_days=pl.concat(row_frames) if row_frames else pl.DataFrame(schema=row_schema),
        node_days=pl.concat(node_frames) if node_frames else pl.DataFrame(schema=node_schema),
        identifiers_end=identifiers_end,
    )


def enterprise_frame(
    enterprises: Enterprises, start_date: dt.date, counts: DailyCounts | None = None
) -> pl.DataFrame:
    """One row per enterprise: its attributes, and its identifiers, resolutions and cases
    at the end of the span when ``counts`` are given."""
    joined_day = _day_of(enterprises.joined_s)
    filed_day = _day_of(enterprises.filed_s)
    frame = pl.DataFrame(
        {
            "enterprise": np.arange(enterprises.size, dtype=np.int64),
            "initial": enterprises.initial,
            "joined_s": enterprises.joined_s,
            "joined_date": _dates(start_date, joined_day),
            "filed_s": enterprises.filed_s,
            "filed_date": _dates(start_date, filed_day),
            "initial_identifiers": enterprises.start_identifiers,
            "final_identifiers": enterprises.final_identifiers,
            "ramp_s": enterprises.ramp_s,
            "usage_intensity": enterprises.intensity,
            "initial_cases": enterprises.initial_cases,
        },
        schema_overrides={"joined_date": pl.Date, "filed_date": pl.Date},
    )
    if counts is None:
        return frame
    totals = counts.enterprise_days.group_by("enterprise").agg(
        pl.col("resolutions").sum().alias("resolutions_total"),
        pl.col("cases").sum().alias("cases_total"),
    )
    return (
        frame.with_columns(identifiers_end=pl.Series(counts.identifiers_end, dtype=pl.Int64))
        .join(totals, on="enterprise", how="left")
        .with_columns(
            pl.col("resolutions_total").fill_null(0),
            (pl.col("cases_total").fill_null(0) + pl.col("initial_cases")).alias("cases_total"),
        )
    )
