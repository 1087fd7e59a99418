"""``run.warmup: auto``: each replication measured from its own MSER-5 truncation point.

A replication is simulated once from empty and measured from 0; MSER-5
(:func:`simdata.analysis.warmup.truncation`) reads its series of the time-average number in
the node and picks the cut d (at most half the horizon). When d > 0 the replication is
simulated again with the same streams — the same arrivals and services, so the same
trajectory — and measured over ``[d, horizon)``. Re-simulating keeps one rule for both
engines: the batched engine accumulates its statistics online inside the window and cannot
re-window afterwards. Most stationary replications keep d = 0 and cost one simulation.
"""

from __future__ import annotations

import polars as pl

from simdata.analysis.warmup import truncation
from simdata.model.world import Simulated, simulate
from simdata.scenario.models import Scenario
from simdata.scenario.units import SERIES_BINS
from simdata.scenario.warmup import AUTO

#: The series MSER-5 reads, and where the cut goes in ``Replication.info``.
SERIES = "resolution.in_system"
INFO_KEY = "warmup_s"


def simulate_measured(scenario: Scenario, replication: int, seed: int | None = None) -> Simulated:
    """:func:`~simdata.model.world.simulate`, measured from the replication's own warm-up
    when ``run.warmup`` is ``auto`` (the cut in ``info["warmup_s"]``)."""
    if scenario.run.warmup != AUTO:
        return simulate(scenario, replication, seed)
    first = simulate(scenario, replication, seed)
    cut = series_cut(first.frames.get("timeseries"), scenario.run.horizon)
    simulated = first if cut == 0.0 else simulate(with_warmup(scenario, cut), replication, seed)
    simulated.info[INFO_KEY] = cut
    return simulated


def series_cut(timeseries: pl.DataFrame | None, horizon_s: float) -> float:
    """MSER-5's cut of one replication's in-node series (0 when it has none)."""
    if timeseries is None:
        return 0.0
    values = timeseries.filter(pl.col("series") == SERIES).sort("time_s")["value"].to_numpy()
    if len(values) == 0:
        return 0.0
    return truncation(values, horizon_s / SERIES_BINS).cut_s


def with_warmup(scenario: Scenario, warmup_s: float) -> Scenario:
    """``scenario`` with the fixed warm-up ``warmup_s`` (already validated: < horizon / 2)."""
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"warmup": warmup_s})})
