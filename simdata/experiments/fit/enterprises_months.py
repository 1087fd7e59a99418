"""What a monthly enterprise log says about each enterprise, under simdata's enterprise model.

The model (:mod:`simdata.model.identifiers.enterprises`) registers an enterprise's final
identifier count in equal batches every ``batch_every_workdays`` working days over its ramp
time from filing, and resolves identifiers at ``usage_intensity`` per identifier per working
day (× the day-type factor), from the day after they are registered. From the monthly sums:

* **Final identifiers**: the total registered by an enterprise whose registrations have
  stopped (none in the log's last month). Whether the ramp ended before the log's end depends
  on its joining date and ramp time only, independent of the final count in the model, so
  these enterprises are an unbiased sample of it. (Right-censoring the still-ramping ones
  at their count so far would be informative censoring: that count is a fixed fraction of
  their final count, so it is not done.)
* **Ramp time**: registrations are uniform in working time over the ramp, so an interior
  month's registrations per working day give the pace ρ and the ramp covers total/ρ working
  days less half a batch gap (the ramp ends somewhere within the last batch's gap), turned
  into elapsed days at its months' ratio of days to working days, less the filing's offset
  into the first batch day. An enterprise registering in two months or fewer gives an
  interval (its months' span); one still registering in the log's last month a
  right-censored value (its ramp reached the last month's first batch): its ramp time did
  not decide its joining date, so the censoring is not informative.
* **Exposure** for usage intensity: identifier-days weighted by the day-type factors,
  identifiers registered in a month spread evenly over its working days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.experiments.fit.enterprises_log import EnterprisesLog
from simdata.model.calendar import WorkCalendar
from simdata.model.identifiers.enterprises import WEEKDAY, day_types
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.units import DAY_S

#: Days from the start of the first batch day to the filing (备案) the ramp counts from: the
#: filing is done within office hours of that day (measured: 0.5 d).
FILING_OFFSET = 0.5


@dataclass(frozen=True)
class Days:
    """The log's days: working days, day-type factors, and each month's first day."""

    workday: BoolArray
    factor: FloatArray
    month_start: IntArray  # day index of each month's first day, and of the log's end

    @classmethod
    def of(cls, log: EnterprisesLog, spec: CalendarSpec, factors: tuple[float, ...]) -> Days:
        days = (log.end_date - log.first_month).days
        calendar = WorkCalendar(spec, log.first_month, 0.0, days * DAY_S)
        types = day_types(calendar, 0, days)
        starts = [(log.month_start(m) - log.first_month).days for m in range(log.months + 1)]
        return cls(
            workday=types == WEEKDAY,
            factor=np.asarray(factors, dtype=np.float64)[types],
            month_start=np.array(starts, dtype=np.int64),
        )

    @property
    def month_workdays(self) -> FloatArray:
        cumulative = np.concatenate([[0], np.cumsum(self.workday)])
        return np.asarray(np.diff(cumulative[self.month_start]), dtype=np.float64)


@dataclass(frozen=True)
class RampData:
    """Ramp times in days: exact (estimated), interval-censored (low, high), right-censored."""

    exact: FloatArray
    low: FloatArray
    high: FloatArray
    right: FloatArray


def joiners(log: EnterprisesLog) -> BoolArray:
    """Enterprises that joined inside the log (their whole history is in it)."""
    return np.asarray(log.joined_day >= 0)


def final_counts(log: EnterprisesLog) -> tuple[FloatArray, int]:
    """Final identifiers of the joiners whose registrations stopped; and how many still ramp."""
    total = log.registrations.sum(axis=1)
    started = joiners(log) & (total > 0)
    done = started & (log.registrations[:, -1] == 0)
    return total[done].astype(np.float64), int((started & ~done).sum())


def ramp_data(log: EnterprisesLog, days: Days, every: int) -> RampData:
    """Each registering joiner's ramp time (see the module docstring), in days.

    Only enterprises whose first registration month is at least two before the log's last
    count (a rule on the joining date, so on nothing the ramp decides): each then has a
    full month to measure its pace in if it is still registering at the end.
    """
    reg = log.registrations
    total = reg.sum(axis=1)
    active = reg > 0
    last = log.months - 1
    workdays = days.month_workdays
    cum_work = np.concatenate([[0.0], np.cumsum(workdays)])
    start = days.month_start
    exact, low, high, right = [], [], [], []
    for i in np.flatnonzero(joiners(log) & (total > 0)):
        months = np.flatnonzero(active[i])
        m1, m2 = int(months[0]), int(months[-1])
        if m1 > last - 2:
            continue
        inner = reg[i, m1 + 1 : m2].sum()
        if m2 == last and inner == 0:  # no month to measure its pace in
            continue
        if m2 - m1 < 2 or inner == 0:
            low.append(max(float(start[m2] - start[m1 + 1]), 0.0))
            high.append(float(start[m2 + 1] - start[m1]) + 7.0)
            continue
        pace = inner / workdays[m1 + 1 : m2].sum()
        # Elapsed days per working day over its registration months.
        ratio = float(start[m2 + 1] - start[m1]) / workdays[m1 : m2 + 1].sum()
        if m2 == last:  # still registering: the ramp lasts at least into the last month
            # Its first batch, in working days: the first month's batches cover reg/pace
            # working days at the pace; the month ends (every + 1)/2 after the last, on average.
            first = cum_work[m1 + 1] - reg[i, m1] / pace + (every - 1) / 2
            # It reached the last month's first batch, on average (every − 1)/2 in.
            reach = cum_work[last] + (every - 1) / 2 - first
            right.append(max(reach * ratio - FILING_OFFSET, 0.0))
            continue
        # total/pace working days = batches × every; the ramp ends within the last gap.
        exact.append((total[i] / pace - every / 2) * ratio - FILING_OFFSET)
    as_array = [np.array(values, dtype=np.float64) for values in (exact, low, high, right)]
    return RampData(*as_array)


def exposure(log: EnterprisesLog, days: Days) -> tuple[FloatArray, FloatArray]:
    """Per joiner with identifiers: resolutions and factor-weighted identifier-days.

    Only months after its first registration month, except its last registration month,
    count: in those two the registrations bunch at one end of the month (after filing,
    before the ramp ends), so spreading them evenly would misstate the exposure. Which
    months count depends on the ramp only, not on the intensity.
    """
    n_days = days.workday.size
    month_of_day = np.searchsorted(days.month_start, np.arange(n_days), side="right") - 1
    month_work = days.month_workdays
    # Working days of its month before each day (registrations before it, spread evenly).
    cum = np.concatenate([[0], np.cumsum(days.workday)])
    before = cum[:-1] - cum[days.month_start[month_of_day]]
    share = before / np.maximum(month_work[month_of_day], 1)
    reg = log.registrations.astype(np.float64)
    held = np.cumsum(reg, axis=1) - reg  # identifiers at each month's start
    weights = np.column_stack(
        [
            np.bincount(month_of_day, weights=days.factor, minlength=log.months),
            np.bincount(month_of_day, weights=days.factor * share, minlength=log.months),
        ]
    )
    active = log.registrations > 0
    firms = np.flatnonzero(joiners(log) & active.any(axis=1))
    month = np.arange(log.months)[None, :]
    first = np.argmax(active[firms], axis=1)[:, None]
    last = log.months - 1 - np.argmax(active[firms][:, ::-1], axis=1)[:, None]
    counted = (month > first) & (month != last)
    expo = np.where(counted, held[firms] * weights[:, 0] + reg[firms] * weights[:, 1], 0.0)
    resolutions = np.where(counted, log.resolutions[firms], 0).sum(axis=1)
    keep = expo.sum(axis=1) > 0
    return (
        np.asarray(resolutions[keep], dtype=np.float64),
        np.asarray(expo.sum(axis=1)[keep], dtype=np.float64),
    )


def active_days(log: EnterprisesLog) -> FloatArray:
    """Days each enterprise was on the node within the log (from joining or the log's start)."""
    end = (log.end_date - log.first_month).days
    return np.asarray(end - np.maximum(log.joined_day, 0), dtype=np.float64)


def log_span(log: EnterprisesLog) -> tuple[dt.date, dt.date]:
    """The log's first day and the day after its last."""
    return log.first_month, log.end_date
