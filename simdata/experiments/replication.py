"""One replication, as one pure function: scenario + index → frames, KPIs, runtime, error.

This is the unit every runner, executor, sweep and capacity search fans out. It never
prints, never touches the working directory, and never raises for a model failure: the
exception text comes back in the result, with the seed that reproduces it.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

import polars as pl

from simdata.analysis.kpis import compute_kpis
from simdata.model.world import simulate
from simdata.scenario.models import Scenario


@dataclass
class Replication:
    """The outcome of one replication."""

    index: int
    root_seed: int
    kpis: dict[str, float] = field(default_factory=dict)
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    runtime_s: float = 0.0
    events: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def run_replication(
    scenario: Scenario, index: int, seed: int | None = None, *, keep_requests: bool = False
) -> Replication:
    """Simulate and measure replication ``index`` (root seed ``seed`` or the scenario's).

    Per-request frames are dropped unless ``keep_requests`` (they can be large); model
    tables such as ``timeseries`` are kept.
    """
    root_seed = scenario.run.seed if seed is None else seed
    started = time.perf_counter()
    try:
        simulated = simulate(scenario, index, root_seed)
        kpis = compute_kpis(simulated)
    except Exception as error:
        text = "".join(traceback.format_exception_only(error)).strip()
        return Replication(index, root_seed, runtime_s=time.perf_counter() - started, error=text)
    frames = {
        name: frame
        for name, frame in simulated.frames.items()
        if keep_requests or name != "requests"
    }
    return Replication(
        index,
        root_seed,
        kpis=kpis,
        frames=frames,
        runtime_s=time.perf_counter() - started,
        events=simulated.events,
        warnings=simulated.warnings,
        info=simulated.info,
    )
