"""The load a capacity search scales: a replication's base traffic and the window it is
judged in (its own run window, or the final simulated day's peak hour with enterprises)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.errors import ScenarioError
from simdata.model.frames import NODE_DAYS
from simdata.model.identifiers.economy import record_identifier_economy
from simdata.model.resolution.arrivals import ArrivalProcess
from simdata.scenario.models import Scenario
from simdata.scenario.resolution import ResolutionSpec, TrafficSpec
from simdata.scenario.units import DAY_S, HOUR_S

#: With enterprises: minutes of the final day's peak hour simulated per load, after a
#: warm-up from an empty node (the node relaxes in well under a second at ms service).
PEAK_WINDOW_S = 600.0
PEAK_WARMUP_S = 60.0


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
    return _final_day_profile(scenario, spec, replication, root_seed)


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


def _final_day_profile(
    scenario: Scenario, spec: ResolutionSpec, replication: int, root_seed: int
) -> LoadProfile:
    """The final simulated day's requests, judged in its peak hour."""
    enterprises = scenario.enterprises
    assert enterprises is not None
    # Count the economy without sampling the node (the traffic is all we need).
    counted = scenario.model_copy(update={"resolution": None})
    recorder = Recorder()
    record_identifier_economy(counted, Streams(root_seed, replication), recorder, None)
    node_days = recorder.get(NODE_DAYS)
    assert node_days is not None  # the economy always counts its days
    last = node_days.sort("date").row(-1, named=True)
    per_day = float(last["resolutions"]) + float(last["registrations"])
    if not per_day > 0:
        raise ScenarioError(
            "expected traffic on the final simulated day to scale, got no resolutions or "
            "registrations",
            path="enterprises",
        )
    shares = enterprises.hourly_shares()
    peak = int(np.argmax(shares))
    mean_rate = per_day / DAY_S
    peak_rate = per_day * shares[peak] / HOUR_S
    traffic = TrafficSpec.model_validate({"rate": f"{peak_rate!r}/s"})
    return LoadProfile(
        spec.model_copy(update={"traffic": traffic}),
        float(last["registrations"]) / per_day,
        -PEAK_WARMUP_S,
        PEAK_WINDOW_S,
        0.0,
        last["date"].weekday(),
        mean_rate,
        peak_rate,
        root_seed,
        replication,
        window_ratio=peak_rate / mean_rate,
    )
