"""Client arrival times of a (non-)homogeneous Poisson process with an hourly/day-type profile.

The rate is piecewise constant per hour and periodic per week; arrivals are unit-rate
Poisson points mapped through the inverse of the integrated rate — exact and vectorised.
The same mapping rescales a request stream to another load with common random numbers
(``simdata capacity``): scaling the rate by k maps unit-rate mass m to Λ⁻¹(m / k).
"""

from __future__ import annotations

import numpy as np

from simdata.arrays import FloatArray
from simdata.scenario.resolution import HOURS_PER_DAY, TrafficSpec
from simdata.scenario.units import DAY_S, HOUR_S, WEEK_S

HOURS_PER_WEEK = 7 * HOURS_PER_DAY


class ArrivalProcess:
    """Client arrival times of a (non-)homogeneous Poisson process, drawn in blocks.

    The rate at elapsed time t is ``rate × w[hour(t)]/mean(w) × factor(weekday(t))``,
    piecewise constant per hour and periodic per week. Arrivals are unit-rate Poisson
    points (cumulated Exp(1) gaps) mapped through the inverse integrated rate.
    """

    def __init__(self, traffic: TrafficSpec, start_weekday: int, start_s: float) -> None:
        self.rate = traffic.rate
        self.homogeneous = traffic.homogeneous
        hours = np.asarray(traffic.hour_multipliers(), dtype=np.float64)
        factors = [traffic.weekday_factor] * 5 + [traffic.weekend_factor] * 2
        #: Rate per hour of the week, Monday 00–01 first.
        self.hourly_rates = self.rate * np.concatenate([hours * f for f in factors])
        self._cumulative = np.concatenate([[0.0], np.cumsum(self.hourly_rates * HOUR_S)])
        self._week_mass = float(self._cumulative[-1])
        #: Seconds from the Monday 00:00 before time 0 to time 0.
        self._offset_s = (start_weekday % 7) * DAY_S
        self._last_s = start_s
        self._mass = 0.0 if self.homogeneous else float(self.integrated(np.array([start_s]))[0])

    def integrated(self, t: FloatArray) -> FloatArray:
        """Λ(t): expected arrivals from the Monday before time 0 to each elapsed time t."""
        s = np.asarray(t, dtype=np.float64) + self._offset_s
        weeks = np.floor(s / WEEK_S)
        rest = s - weeks * WEEK_S
        hour = np.clip((rest // HOUR_S).astype(np.int64), 0, HOURS_PER_WEEK - 1)
        within = rest - hour * HOUR_S
        mass = weeks * self._week_mass + self._cumulative[hour]
        return np.asarray(mass + self.hourly_rates[hour] * within, dtype=np.float64)

    def expected_count(self, start_s: float, end_s: float) -> float:
        """Expected arrivals in [start_s, end_s)."""
        if self.homogeneous:
            return self.rate * (end_s - start_s)
        ends = self.integrated(np.array([start_s, end_s]))
        return float(ends[1] - ends[0])

    def _invert(self, mass: FloatArray) -> FloatArray:
        weeks = np.floor(mass / self._week_mass)
        rest = mass - weeks * self._week_mass
        hour = np.searchsorted(self._cumulative, rest, side="right") - 1
        hour = np.clip(hour, 0, HOURS_PER_WEEK - 1)
        rates = self.hourly_rates[hour]
        safe = np.where(rates > 0, rates, 1.0)
        within = np.where(rates > 0, (rest - self._cumulative[hour]) / safe, 0.0)
        s = weeks * WEEK_S + hour * HOUR_S + np.clip(within, 0.0, HOUR_S)
        return np.asarray(s - self._offset_s, dtype=np.float64)

    def next_block(self, rng: np.random.Generator, size: int) -> FloatArray:
        """The next ``size`` arrival times (increasing, after the previous block's)."""
        if self.homogeneous:
            gaps = rng.exponential(1.0 / self.rate, size)
            arrivals = self._last_s + np.cumsum(gaps)
        else:
            masses = self._mass + np.cumsum(rng.exponential(1.0, size))
            self._mass = float(masses[-1])
            # Rounding at hour edges must never move an arrival before its predecessor.
            arrivals = np.maximum.accumulate(np.maximum(self._invert(masses), self._last_s))
        self._last_s = float(arrivals[-1])
        return np.asarray(arrivals, dtype=np.float64)
