"""Assemble one replication's world from a scenario and simulate it to the end.

``simulate`` is where components meet: it builds the SimPy environment, the streams and
the recorder, wires each enabled section's component, runs until every arrival before the
horizon has left (the drain), and returns the recorded frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import simpy

from simdata.engine.batched import LAST_END
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.identifiers import Economy, record_identifier_economy
from simdata.model.latency_table import latency_histogram_frame, of_latencies
from simdata.model.node_windows import WINDOW
from simdata.model.public_data import PublicDataModel
from simdata.model.resolution import ResolutionNode
from simdata.model.resolution_batched import BatchedResolutionNode
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
    #: KPI values a component computed itself (the batched node's streaming statistics);
    #: registry KPIs of frames that were not produced are not computed again.
    kpis: dict[str, float] = field(default_factory=dict)


#: ``resolution.engine: auto`` picks the batched engine from this many requests on.
AUTO_BATCHED_REQUESTS = 1_000_000


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
    node: ResolutionNode | None = None
    batched_node: BatchedResolutionNode | None = None
    resolution = scenario.resolution
    if resolution is not None and (scenario.enterprises is None or economy.traffic is not None):
        weekday = run.start_date.weekday() if run.start_date is not None else 0
        batched_node = BatchedResolutionNode(
            resolution, streams, recorder, run.sim_start_s, run.horizon, run.measure_start_s,
            start_weekday=weekday, given=economy.traffic,
        )  # fmt: skip
        engine = resolution.engine
        if engine == "auto":
            expected = batched_node.source.expected_count(run.sim_start_s, run.horizon)
            engine = "batched" if expected >= AUTO_BATCHED_REQUESTS else "event"
        if engine == "batched":
            batched_node.run()
        else:
            batched_node = None
            node = ResolutionNode(
                env, resolution, streams, recorder, run.sim_start_s, run.horizon,
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
        node.record_series(run.measure_start_s)
    latency_table: pl.DataFrame | None = None
    if node is not None:
        requests = node.requests.frame()
        measured = (
            (pl.col("arrival_s") >= run.measure_start_s)
            & (pl.col("arrival_s") < run.horizon)
            & ~pl.col("write")
        )
        latencies = requests.filter(measured)["latency_s"].to_numpy()
        latency_table = of_latencies(latencies, "all")
    elif "window_requests" in recorder.frames_extra:
        latencies = recorder.frames_extra["window_requests"]["latency_s"].to_numpy()
        latency_table = of_latencies(latencies, WINDOW)
    precomputed: dict[str, float] = {}
    if batched_node is not None:
        batched_node.record_series()
        latency_table = latency_histogram_frame(batched_node.latency_histogram(), "all")
        precomputed = batched_node.kpis()
        # No SimPy events: count the node's requests, the work the events would have been.
        events += batched_node.node_requests
    constants: dict[str, float] = {}
    warnings: list[str] = []
    if public is not None:
        public.record()
        constants.update(public.constants())
        warnings += public.warnings
    warnings += economy.warnings
    info = dict(economy.info)
    if resolution is not None and (node is not None or batched_node is not None):
        info["resolution_engine"] = "batched" if batched_node is not None else "event"
    servers = scenario.resolution.servers if scenario.resolution is not None else 0
    window = Window(run.measure_start_s, run.horizon, servers, constants)
    end_time = env.now
    if batched_node is not None:
        end_time = max(end_time, float(batched_node.stream.stats[LAST_END]))
    frames = recorder.frames()
    if latency_table is not None:
        frames["latency_histogram"] = latency_table
    return Simulated(frames, window, events, end_time, warnings, info, kpis=precomputed)
