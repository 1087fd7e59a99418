"""Working time: the clock of people who handle public-data requests.

A review that needs "2 working hours" and arrives Friday 17:00 before a holiday finishes
days later in elapsed time. :class:`WorkCalendar` maps between the simulation's elapsed
time (float seconds from ``start_date`` 00:00 Asia/Shanghai, negative during a warm-up
before it) and working time (office seconds).

Design:

* **Working time is a second clock**, ``work_s(t)``: monotone non-decreasing and piecewise
  linear in elapsed time ``t`` — slope 1 inside an office interval, flat outside. Adding
  working time is then ``elapsed_s(work_s(t) + seconds)``, and an SLA in working days is
  ``work_between(t0, t1)``; models never reason about weekends or 调休 themselves.
* **Precomputed arrays, vectorised queries.** Every office interval of the covered span is
  one row of three float arrays: opening and closing elapsed time and the working time
  accrued at opening. Both directions are one ``np.searchsorted`` plus arithmetic, so a
  model converts a whole block of requests at once and there is no per-day Python loop at
  query time (a 3-year span is about 1,500 intervals).
* **Day types**: ``chinese_calendar.is_workday`` for the years it covers, then the
  scenario's ``holidays`` (forced off) and ``extra_workdays`` (forced on). A simulated
  year the package does not cover and ``covered_years`` does not declare falls back to
  Monday–Friday (plus the listed days) and is named in :attr:`WorkCalendar.warnings`;
  years reached only by the drain after the horizon are not.
* **Lazy extension.** The arrays cover ``[first_s, last_s]`` plus :data:`MARGIN_DAYS`;
  a query beyond rebuilds them over a doubled span, so "N workdays after t" near the
  horizon still works.

* **Always open.** With ``always_open`` in the calendar section the clock is the
  identity: ``work_s(t) = t − first_s``, ``elapsed_s`` its inverse, ``next_open(t) = t``,
  one ``workday`` = 86,400 s, every day a working day and no warnings. No arrays are built,
  so any finite time is accepted and results are exact (no rounding through the arrays).

Asia/Shanghai has had no daylight saving since 1991, so a day is exactly 86,400 s.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, overload

import chinese_calendar  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from simdata.arrays import BoolArray, FloatArray
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S

#: Days built past ``last_s``: longer than any statutory break plus its weekends.
MARGIN_DAYS = 42

#: Latest year the calendar extends to (far past any plan; stops runaway extension).
LAST_YEAR = 9000


def _package_years() -> tuple[int, int]:
    """First and last year chinese-calendar has statutory data for."""
    days: Any = chinese_calendar.holidays.keys()
    return min(days).year, max(days).year


PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR = _package_years()


def _workday_flags(
    first_day: dt.date, n_days: int, spec: CalendarSpec
) -> tuple[npt.NDArray[np.bool_], list[int]]:
    """Working-day flags of ``n_days`` days from ``first_day``, and the years guessed.

    The guessed years are those neither the package nor the scenario has data for; their
    days are Monday–Friday.
    """
    ordinals = np.arange(first_day.toordinal(), first_day.toordinal() + n_days)
    flags: npt.NDArray[np.bool_] = (ordinals - 1) % 7 < 5  # ordinal 1 is a Monday
    last_day = first_day + dt.timedelta(days=n_days - 1)
    covered = set(spec.covered_years)
    guessed: list[int] = []
    for year in range(first_day.year, last_day.year + 1):
        if PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR:
            lo = max(first_day, dt.date(year, 1, 1))
            hi = min(last_day, dt.date(year, 12, 31))
            offset = (lo - first_day).days
            for k in range((hi - lo).days + 1):
                flags[offset + k] = bool(chinese_calendar.is_workday(lo + dt.timedelta(k)))
        elif year not in covered:
            guessed.append(year)
    for days, value in ((spec.holidays, False), (spec.extra_workdays, True)):
        for day in days:
            index = (day - first_day).days
            if 0 <= index < n_days:
                flags[index] = value
    return flags, guessed


def _year_warning(year: int) -> str:
    return (
        f"calendar: no holiday data for {year} (chinese-calendar covers "
        f"{PACKAGE_FIRST_YEAR}–{PACKAGE_LAST_YEAR}; calendar.covered_years does not list "
        f"it — add the year's schedule with calendar.holiday_file); assuming Monday–Friday "
        "working days and the listed holidays"
    )


def uncovered_years(spec: CalendarSpec, first_day: dt.date, last_day: dt.date) -> list[int]:
    """Years of ``first_day..last_day`` with no holiday data: outside chinese-calendar's
    years and not declared complete in ``covered_years`` (listing some days of a year does
    not cover it)."""
    covered = set(spec.covered_years)
    return [
        year
        for year in range(first_day.year, last_day.year + 1)
        if not PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR and year not in covered
    ]


def holiday_warnings(spec: CalendarSpec, first_day: dt.date, last_day: dt.date) -> list[str]:
    """One warning per simulated year without holiday data (see :func:`uncovered_years`)."""
    return [_year_warning(year) for year in uncovered_years(spec, first_day, last_day)]


class WorkCalendar:
    """The mapping between elapsed simulation time and working time (see module docstring).

    ``work_s(t)`` counts office seconds from ``first_s``; ``elapsed_s`` is its inverse.
    Vector methods take floats or numpy arrays and return the same shape.
    """

    def __init__(
        self, spec: CalendarSpec, start_date: dt.date, first_s: float, last_s: float
    ) -> None:
        if not (math.isfinite(first_s) and math.isfinite(last_s) and first_s <= last_s):
            raise ValueError(
                f"expected finite first_s <= last_s, got first_s={first_s!r}, last_s={last_s!r}"
            )
        self.spec = spec
        self.start_date = start_date
        self.first_s = float(first_s)
        self.last_s = float(last_s)
        #: Offices never close: working time is elapsed time since ``first_s``.
        self.always_open: bool = spec.always_open
        #: One line per year assumed Monday–Friday for lack of holiday data.
        self.warnings: list[str] = []
        if self.always_open:
            self.workday_s: float = DAY_S
            return
        intervals = np.array(spec.office_intervals_s(), dtype=np.float64)
        self._day_open: FloatArray = intervals[:, 0]
        self._day_close: FloatArray = intervals[:, 1]
        #: Office seconds per working day; one ``workday`` of working time.
        self.workday_s = float(np.sum(self._day_close - self._day_open))
        self._guessed_years: set[int] = set()
        self._first_day = self.date_of(self.first_s)
        self._base_s = (self._first_day - start_date).days * DAY_S
        self._build(self.date_of(self.last_s) + dt.timedelta(days=MARGIN_DAYS))
        # The last simulated instant is just before last_s (a horizon at midnight ends
        # the day before); years reached only by the drain beyond it are not warned about.
        last_day = self.date_of(max(self.first_s, math.nextafter(self.last_s, -math.inf)))
        self._note_years(self._first_day.year, last_day.year)

    # -- construction ---------------------------------------------------------------

    def _build(self, last_day: dt.date) -> None:
        """(Re)build the interval arrays for every day from the first day to ``last_day``."""
        if last_day.year > LAST_YEAR:
            raise ValueError(
                f"calendar: expected times before {LAST_YEAR}, got a query reaching {last_day}"
            )
        n_days = (last_day - self._first_day).days + 1
        flags, guessed = _workday_flags(self._first_day, n_days, self.spec)
        if not flags.any():  # only possible when the scenario lists every day a holiday
            self._build(last_day + dt.timedelta(days=n_days))
            return
        self._built_guesses = set(guessed)
        day_s = self._base_s + np.flatnonzero(flags).astype(np.float64) * DAY_S
        self._open: FloatArray = (day_s[:, None] + self._day_open[None, :]).ravel()
        self._close: FloatArray = (day_s[:, None] + self._day_close[None, :]).ravel()
        duration = np.tile(self._day_close - self._day_open, day_s.size)
        accrued_end = np.cumsum(duration)
        # Working time before first_s (on its own day) is subtracted so work_s(first_s) == 0.
        self._cum_end: FloatArray = accrued_end
        self._cum: FloatArray = accrued_end - duration
        self._dur: FloatArray = duration
        self._end_s = self._base_s + n_days * DAY_S
        before = self._raw_work(np.array([self.first_s]))[0]
        self._cum = self._cum - before
        self._cum_end = self._cum_end - before
        self._last_day = last_day

    def _extend(self, beyond_day: dt.date) -> None:
        """Rebuild covering ``beyond_day``, at least doubling the span (amortised cost)."""
        span = (self._last_day - self._first_day).days + 1
        self._build(
            max(
                beyond_day + dt.timedelta(days=MARGIN_DAYS),
                self._last_day + dt.timedelta(days=span),
            )
        )

    def _note_years(self, first_year: int, last_year: int) -> None:
        """Warn once for each guessed year in ``first_year..last_year``."""
        for year in range(first_year, last_year + 1):
            if year in self._built_guesses and year not in self._guessed_years:
                self._guessed_years.add(year)
                self.warnings.append(_year_warning(year))

    # -- array helpers ---------------------------------------------------------------

    def _times(self, t: float | FloatArray) -> FloatArray:
        """``t`` as a float array inside the built span (extending it when needed)."""
        times = np.asarray(t, dtype=np.float64)
        if times.size == 0:
            return times
        low, high = float(np.min(times)), float(np.max(times))
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"calendar: expected finite times, got {t!r}")
        if low < self._base_s:
            raise ValueError(
                f"calendar: expected times from {self._base_s:g} s ({self._first_day}, "
                f"the calendar's first day), got {low:g} s"
            )
        while high >= self._end_s:
            self._extend(self.date_of(high))
        return times

    def _raw_work(self, times: FloatArray) -> FloatArray:
        """Working time at ``times`` on the accrued scale of the current arrays."""
        i = np.maximum(np.searchsorted(self._open, times, side="right") - 1, 0)
        done = np.minimum(np.maximum(times - self._open[i], 0.0), self._dur[i])
        result: FloatArray = self._cum[i] + done
        return result

    def _identity(self, t: float | FloatArray) -> FloatArray:
        """``t`` as a float array, checked finite (the always-open clock's input)."""
        times = np.asarray(t, dtype=np.float64)
        if times.size and not np.all(np.isfinite(times)):
            raise ValueError(f"calendar: expected finite times, got {t!r}")
        return times

    # -- queries --------------------------------------------------------------------

    def date_of(self, t: float) -> dt.date:
        """Calendar date (Asia/Shanghai) of elapsed time ``t``."""
        return self.start_date + dt.timedelta(days=math.floor(t / DAY_S))

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (package, then scenario overrides, else Mon–Fri)."""
        if self.always_open:
            return True
        flags, _ = _workday_flags(day, 1, self.spec)
        return bool(flags[0])

    @overload
    def is_open(self, t: float) -> bool: ...
    @overload
    def is_open(self, t: FloatArray) -> BoolArray: ...
    def is_open(self, t: float | FloatArray) -> bool | BoolArray:
        """Whether the office is open at ``t`` (opening inclusive, closing exclusive)."""
        if self.always_open:
            opened: BoolArray = np.ones_like(self._identity(t), dtype=np.bool_)
            return bool(opened) if opened.ndim == 0 else opened
        times = self._times(t)
        i = np.searchsorted(self._open, times, side="right") - 1
        inside: BoolArray = (i >= 0) & (times < self._close[np.maximum(i, 0)])
        return bool(inside) if inside.ndim == 0 else inside

    @overload
    def work_s(self, t: float) -> float: ...
    @overload
    def work_s(self, t: FloatArray) -> FloatArray: ...
    def work_s(self, t: float | FloatArray) -> float | FloatArray:
        """Working seconds from ``first_s`` to ``t`` (flat outside office hours)."""
        if self.always_open:
            worked = self._identity(t) - self.first_s
            return float(worked) if worked.ndim == 0 else worked
        result = self._raw_work(self._times(t))
        return float(result) if result.ndim == 0 else result

    @overload
    def elapsed_s(self, w: float) -> float: ...
    @overload
    def elapsed_s(self, w: FloatArray) -> FloatArray: ...
    def elapsed_s(self, w: float | FloatArray) -> float | FloatArray:
        """Earliest elapsed time at which ``work_s`` reaches ``w``.

        A ``w`` reached exactly when an interval closes gives that closing time (the
        moment the work is done), so results lie in a closed office interval.
        """
        if self.always_open:
            moment = self._identity(w) + self.first_s
            return float(moment) if moment.ndim == 0 else moment
        work = np.asarray(w, dtype=np.float64)
        if work.size == 0:
            return work
        low, high = float(np.min(work)), float(np.max(work))
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"calendar: expected finite working times, got {w!r}")
        if low < self._cum[0]:
            raise ValueError(
                f"calendar: expected working time from the calendar's first day, got {low:g} s"
            )
        while high > self._cum_end[-1]:
            self._extend(self._last_day + dt.timedelta(days=1))
        i = np.searchsorted(self._cum_end, work, side="left")
        t = np.minimum(
            np.maximum(self._open[i] + (work - self._cum[i]), self._open[i]), self._close[i]
        )
        return float(t) if t.ndim == 0 else t

    @overload
    def add_work(self, t: float, seconds: float) -> float: ...
    @overload
    def add_work(self, t: FloatArray, seconds: float | FloatArray) -> FloatArray: ...
    @overload
    def add_work(self, t: float | FloatArray, seconds: FloatArray) -> FloatArray: ...
    def add_work(self, t: float | FloatArray, seconds: float | FloatArray) -> float | FloatArray:
        """When work needing ``seconds`` of office time, started (or waiting) at ``t``, ends."""
        if self.always_open:
            ends = self._identity(t) + np.asarray(seconds, dtype=np.float64)
            return float(ends) if ends.ndim == 0 else ends
        work = self._raw_work(self._times(t)) + np.asarray(seconds, dtype=np.float64)
        return self.elapsed_s(float(work) if work.ndim == 0 else work)

    @overload
    def add_workdays(self, t: float, n: float) -> float: ...
    @overload
    def add_workdays(self, t: FloatArray, n: float | FloatArray) -> FloatArray: ...
    @overload
    def add_workdays(self, t: float | FloatArray, n: FloatArray) -> FloatArray: ...
    def add_workdays(self, t: float | FloatArray, n: float | FloatArray) -> float | FloatArray:
        """``add_work(t, n * workday_s)``: ``n`` working days after ``t``."""
        seconds = np.asarray(n, dtype=np.float64) * self.workday_s
        return self.add_work(t, float(seconds) if seconds.ndim == 0 else seconds)

    @overload
    def next_open(self, t: float) -> float: ...
    @overload
    def next_open(self, t: FloatArray) -> FloatArray: ...
    def next_open(self, t: float | FloatArray) -> float | FloatArray:
        """``t`` if the office is open then, else the next opening time."""
        if self.always_open:
            now = self._identity(t)
            return float(now) if now.ndim == 0 else now
        times = self._times(t)
        while times.size and np.max(times) >= self._open[-1]:
            self._extend(self._last_day + dt.timedelta(days=1))
        i = np.searchsorted(self._open, times, side="right") - 1
        inside = (i >= 0) & (times < self._close[np.maximum(i, 0)])
        result: FloatArray = np.where(inside, times, self._open[i + 1])
        return float(result) if result.ndim == 0 else result

    @overload
    def work_between(self, t0: float, t1: float) -> float: ...
    @overload
    def work_between(self, t0: FloatArray, t1: float | FloatArray) -> FloatArray: ...
    @overload
    def work_between(self, t0: float | FloatArray, t1: FloatArray) -> FloatArray: ...
    def work_between(self, t0: float | FloatArray, t1: float | FloatArray) -> float | FloatArray:
        """Working seconds elapsed from ``t0`` to ``t1`` (to judge SLAs in working days)."""
        if self.always_open:
            between = self._identity(t1) - self._identity(t0)
            return float(between) if between.ndim == 0 else between
        result = self._raw_work(self._times(t1)) - self._raw_work(self._times(t0))
        return float(result) if result.ndim == 0 else result


def scenario_holiday_warnings(scenario: Scenario) -> list[str]:
    """What ``simdata validate`` warns about: each simulated year (warm-up included, the
    drain after the horizon not) without holiday data, for a dated scenario whose model
    uses working days (requesters' office hours, enterprises' day types)."""
    run = scenario.run
    if run.start_date is None or (scenario.requesters is None and scenario.enterprises is None):
        return []
    spec = scenario.calendar or CalendarSpec()
    if spec.always_open and scenario.enterprises is None:
        return []  # every day is a working day: nothing is assumed
    first = run.start_date + dt.timedelta(days=math.floor(run.sim_start_s / DAY_S))
    last_s = max(run.sim_start_s, math.nextafter(run.horizon, -math.inf))
    last = run.start_date + dt.timedelta(days=math.floor(last_s / DAY_S))
    return holiday_warnings(spec, first, last)
