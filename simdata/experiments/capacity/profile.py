"""The load a capacity search scales: a replication's base traffic and the window it is
judged in (its own run window, or the design day's peak hour with enterprises).

With enterprises the design day (``capacity.design_day``, :func:`design_day`) sets the
*amount* of traffic at k = 1 and its *mix* comes from the ``capacity.mix_days`` around it:
the search scales the amount anyway, so the capacity depends on the mix, and one day's mix
swings with whether a registration batch (5 ms writes against 0.4 ms cached resolutions)
landed on it."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.errors import ScenarioError
from simdata.model.frames import NODE_DAYS
from simdata.model.identifiers.economy import record_identifier_economy
from simdata.model.resolution.arrivals import ArrivalProcess
from simdata.scenario.capacity_spec import CapacitySpec
from simdata.scenario.models import Scenario
from simdata.scenario.resolution import ResolutionSpec, TrafficSpec
from simdata.scenario.units import DAY_S, HOUR_S

#: With enterprises: minutes of the final day's peak hour simulated per load, after a
#: warm-up from an empty node (the node relaxes in well under a second at ms service).
PEAK_WINDOW_S = 600.0
PEAK_WARMUP_S = 60.0


@dataclass(frozen=True)
class DesignDay:
    """The day a replication's search scales (scenarios with enterprises) and its mix."""

    #: The scenario's rule in words (``busiest of the last 30 days``).
    rule: str
    date: dt.date
    #: ``weekday``, ``weekend`` or ``holiday`` (the mix averages days of this type).
    day_type: str
    #: Resolutions plus registration writes that day.
    requests: float
    #: Writes' share of the requests, averaged over the mix window's days of this type.
    write_share: float
    #: Days averaged over (those of the window of the day's type).
    mix_days: int
    #: The design day's own write share (what the profile used before 2026-12).
    day_write_share: float


@dataclass(frozen=True)
class LoadProfile:
    """What is simulated at each load: the node with its base traffic, scaled by k."""

    spec: ResolutionSpec
    write_share: float
    start_s: float
    horizon_s: float
    measure_start_s: float
    weekday: int
    #: Offered load (mean rate of the profile, writes included) at k = 1, per second.
    mean_rate: float
    #: Rate in the simulated window's busiest hour at k = 1, per second.
    peak_rate: float
    #: Streams of this profile's requests (the replication's root seed and index).
    root_seed: int
    replication: int
    #: Mean rate in the measured window per unit of offered load (1, or peak/mean when
    #: the window is the peak hour).
    window_ratio: float = 1.0
    #: With enterprises: the design day scaled and the mix it carries.
    design: DesignDay | None = None

    def expected_requests(self, load: float) -> float:
        """Expected measured requests (writes included) at offered load ``load``."""
        return load * self.window_ratio * (self.horizon_s - self.measure_start_s)

    def stability_limit(self) -> float:
        """Offered load (mean rate) at which the servers would be busy all the peak hour."""
        spec = self.spec
        miss = 1.0 if spec.cache is None else 1.0 - spec.cache.hit_ratio
        work = (1 - self.write_share) * miss * spec.service_time.mean + (
            self.write_share * spec.registration_time.mean
        )
        return spec.servers / max(work, 1e-12) * self.mean_rate / self.peak_rate


def load_profile(scenario: Scenario, replication: int, root_seed: int) -> LoadProfile:
    """The replication's base traffic (k = 1) and the window it is judged in."""
    spec = scenario.resolution
    if spec is None:
        raise ScenarioError("expected a resolution section, got none", path="resolution")
    run = scenario.run
    weekday = run.start_date.weekday() if run.start_date is not None else 0
    if scenario.enterprises is None:
        start, end = run.measure_start_s, run.horizon
        mean, peak = _rates(spec, weekday, run.sim_start_s, start, end)
        return LoadProfile(
            spec, 0.0, run.sim_start_s, end, start, weekday, mean, peak, root_seed, replication
        )
    return _design_day_profile(scenario, spec, replication, root_seed)


def _rates(
    spec: ResolutionSpec, weekday: int, t0: float, start: float, end: float
) -> tuple[float, float]:
    """Mean rate over [start, end) and the rate of its busiest (clock) hour."""
    process = ArrivalProcess(spec.traffic, weekday, t0)
    mean = process.expected_count(start, end) / (end - start)
    if process.homogeneous:
        return mean, mean
    edges = np.append(np.arange(math.ceil(start / HOUR_S) * HOUR_S, end, HOUR_S), end)
    edges = np.unique(np.concatenate([[start], edges]))
    masses = process.integrated(edges)
    return mean, float(np.max(np.diff(masses) / np.diff(edges)))


def _design_day_profile(
    scenario: Scenario, spec: ResolutionSpec, replication: int, root_seed: int
) -> LoadProfile:
    """The design day's requests with its window's mix, judged in the day's peak hour."""
    enterprises = scenario.enterprises
    assert enterprises is not None
    # Count the economy without sampling the node (the traffic is all we need).
    counted = scenario.model_copy(update={"resolution": None})
    recorder = Recorder()
    record_identifier_economy(counted, Streams(root_seed, replication), recorder, None)
    node_days = recorder.get(NODE_DAYS)
    assert node_days is not None  # the economy always counts its days
    design = design_day(node_days, scenario.capacity or CapacitySpec())
    shares = enterprises.hourly_shares()
    peak = int(np.argmax(shares))
    mean_rate = design.requests / DAY_S
    peak_rate = design.requests * shares[peak] / HOUR_S
    traffic = TrafficSpec.model_validate({"rate": f"{peak_rate!r}/s"})
    return LoadProfile(
        spec.model_copy(update={"traffic": traffic}),
        design.write_share,
        -PEAK_WARMUP_S,
        PEAK_WINDOW_S,
        0.0,
        design.date.weekday(),
        mean_rate,
        peak_rate,
        root_seed,
        replication,
        window_ratio=peak_rate / mean_rate,
        design=design,
    )


def design_day(node_days: pl.DataFrame, rule: CapacitySpec) -> DesignDay:
    """The design day among a replication's measured days (``node_days``), and the write
    share over the ``rule.mix_days`` days ending on the run's last day (or on the date
    given), days of the design day's type only.

    The share is a ratio of totals (writes over requests in those days), so a day weighs
    by its traffic: the mean over days would let a quiet day's share count as much as a
    busy one's.
    """
    days = node_days.filter(pl.col("measured")).sort("date")
    given = rule.design_day if isinstance(rule.design_day, dt.date) else None
    end = given if given is not None else days["date"][-1]
    window = days.filter(
        (pl.col("date") <= end) & (pl.col("date") > end - dt.timedelta(days=rule.mix_days))
    ).with_columns((pl.col("resolutions") + pl.col("registrations")).alias("requests"))
    if window.is_empty() or window["date"][-1] != end:
        raise ScenarioError(
            f"expected a date within the run's measured days, got {end}",
            path="capacity.design_day",
        )
    index = int(window["requests"].arg_max() or 0) if rule.design_day == "busiest" else -1
    day = window.row(index, named=True)
    if not day["requests"] > 0:
        raise ScenarioError(
            f"expected traffic on the design day ({day['date']}) to scale, got no "
            "resolutions or registrations",
            path="capacity.design_day",
        )
    same = window.filter(pl.col("day_type") == day["day_type"])
    return DesignDay(
        rule.describe(),
        day["date"],
        day["day_type"],
        float(day["requests"]),
        float(same["registrations"].sum()) / float(same["requests"].sum()),
        same.height,
        float(day["registrations"]) / float(day["requests"]),
    )
