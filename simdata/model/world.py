"""Assemble one replication's world from a scenario and simulate it to the end.

``simulate`` is where components meet: it builds the SimPy environment, the streams and
the recorder, wires each enabled section's component, runs until every arrival before the
horizon has left (the drain), and returns the recorded frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import simpy

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.identifiers import Economy, record_identifier_economy
from simdata.model.public_data import PublicDataModel
from simdata.model.resolution import ResolutionNode
from simdata.scenario.models import Scenario


@dataclass(frozen=True)
class Window:
    """The measured window ``[start_s, end_s)`` of a replication and the model constants
    KPIs need. Undated runs measure ``[warmup, horizon)``; dated runs simulate the warm-up
    before the start date and measure ``[0, horizon)``, so KPIs line up with the plan."""

    start_s: float
    end_s: float
    servers: int
    constants: dict[str, float] = field(default_factory=dict)

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Simulated:
    """What one replication produced: frames by name, the window, and event counts."""

    frames: dict[str, pl.DataFrame]
    window: Window
    events: int
    end_time_s: float
    warnings: list[str] = field(default_factory=list)
    #: What the run should record in its manifest (e.g. the latency sampling plan).
    info: dict[str, object] = field(default_factory=dict)


def simulate(scenario: Scenario, replication: int, seed: int | None = None) -> Simulated:
    """Simulate replication ``replication`` of ``scenario`` (root seed ``seed`` or the run's)."""
    root_seed = scenario.run.seed if seed is None else seed
    run = scenario.run
    env = simpy.Environment(initial_time=run.sim_start_s)
    streams = Streams(root_seed, replication)
    recorder = Recorder()
    # The identifier economy is counted first: with latency_sampling full, the node's
    # request stream comes from it; otherwise it samples its own peak-hour windows.
    economy = (
        record_identifier_economy(scenario, streams, recorder, None)
        if scenario.enterprises is not None
        else Economy()
    )
    node = None
    if scenario.resolution is not None and (
        scenario.enterprises is None or economy.traffic is not None
    ):
        weekday = run.start_date.weekday() if run.start_date is not None else 0
        node = ResolutionNode(
            env, scenario.resolution, streams, recorder, run.sim_start_s, run.horizon,
            start_weekday=weekday, given=economy.traffic,
        )  # fmt: skip
        node.start()
    public = None
    if scenario.requesters is not None:
        public = PublicDataModel(env, scenario, streams, recorder)
        public.start()
    events = 0
    # Step manually: run() until empty would hide the event count we report.
    step = env.step
    try:
        while True:
            step()
            events += 1
    except simpy.core.EmptySchedule:
        pass
    if node is not None:
        node.record_series()
    constants: dict[str, float] = {}
    warnings: list[str] = []
    if public is not None:
        public.record()
        constants.update(public.constants())
        warnings += public.warnings
    warnings += economy.warnings
    info = economy.info
    servers = scenario.resolution.servers if scenario.resolution is not None else 0
    window = Window(run.measure_start_s, run.horizon, servers, constants)
    return Simulated(recorder.frames(), window, events, env.now, warnings, info)
