"""The resolution network as a component of the world (scenario section ``network``).

Draws the clients' resolutions (:mod:`.draws`), runs them through the network with the
engine ``network.engine`` names — the SimPy event engine (:mod:`.event`) or the batched
engine (:mod:`.batched`); ``auto`` takes the batched engine when a replication expects at
least :data:`AUTO_BATCHED_REQUESTS` resolutions, as the single node does — and hands over
the ``network_nodes`` frame and each node's statistics, from which the per-node KPIs
(``resolution.utilisation@node=NAME`` …) are computed (:mod:`simdata.analysis.network.kpis`).
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from simdata.model.component import World
from simdata.model.frames import ENTERPRISE_DAYS, ENTERPRISES, NETWORK_ENTERPRISES, NETWORK_NODES
from simdata.model.network.batched import BatchedNetwork
from simdata.model.network.draws import NetworkSource
from simdata.model.network.enterprises import assign, enterprise_totals, write_rates
from simdata.model.network.event import EventNetwork
from simdata.model.network.plan import NetworkPlan
from simdata.model.network.writes import Filings, WriteStream
from simdata.model.resolution.component import AUTO_BATCHED_REQUESTS
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S


class NetworkComponent:
    """The resolution network of one replication."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.network is not None

    def __init__(self, world: World) -> None:
        spec = world.scenario.network
        if spec is None:
            raise ValueError("the network component needs a network section")
        self.world = world
        run = world.scenario.run
        weekday = run.start_date.weekday() if run.start_date is not None else 0
        self.plan = NetworkPlan.of(spec)
        # network.window: only the run's last WINDOW is simulated (after its own warm-up).
        measure_s = run.measure_start_s
        if spec.window is not None:
            measure_s = max(measure_s, run.horizon - spec.window)
        start_s = max(run.sim_start_s, measure_s - run.warmup_s)
        source = NetworkSource(self.plan, world.streams, start_s, run.horizon, weekday)
        self.assigned = self._assign_enterprises(source, measure_s)
        self.kind = engine = spec.engine
        if engine == "auto":
            expected = source.expected_count(start_s, run.horizon)
            self.kind = "batched" if expected >= AUTO_BATCHED_REQUESTS else "event"
        self.engine: BatchedNetwork | EventNetwork
        if self.kind == "batched":
            self.engine = BatchedNetwork(source, measure_s, run.horizon)
        else:
            self.engine = EventNetwork(world.env, source, measure_s, run.horizon)

    def start(self) -> None:
        if isinstance(self.engine, BatchedNetwork):
            self.engine.run()  # the whole replication, now: it schedules no events
        else:
            self.engine.start()  # the world runs its events

    def finish(self) -> None:
        world, engine = self.world, self.engine
        figures = engine.figures()
        world.network_figures = figures
        nodes = self.plan.spec.nodes
        world.recorder.put(
            NETWORK_NODES,
            pl.DataFrame(
                {
                    "node": [node.name for node in nodes],
                    "kind": [node.kind for node in nodes],
                    "province": [node.province or "" for node in nodes],
                    "servers": [node.servers or 0 for node in nodes],
                    "arrivals": engine.arrivals,
                    "cache_hits": engine.hits,
                    "owned": [0 if f.path is None else f.path.measured for f in figures.values()],
                },
                schema=NETWORK_NODES.schema,
            ),
        )
        self._record_enterprises()
        if self.kind == "batched":
            # No SimPy events: count the node visits, the work the events would have been.
            world.extra_events += int(engine.arrivals.sum())
        world.info["network_engine"] = self.kind

    def _assign_enterprises(self, source: NetworkSource, measure_s: float) -> pl.DataFrame | None:
        """With an identifier economy: each enterprise's secondary node, and its nodes'
        registration writes over the simulated window as the source's write stream."""
        world = self.world
        enterprises = world.recorder.get(ENTERPRISES)
        days = world.recorder.get(ENTERPRISE_DAYS)
        start_date = world.scenario.run.start_date
        if enterprises is None or days is None or start_date is None:
            return None
        assigned = assign(self.plan, enterprises, world.streams)
        first = start_date + dt.timedelta(days=math.floor(measure_s / DAY_S))
        rates = write_rates(self.plan, assigned, days, first)
        source.writes = WriteStream(rates, world.streams)
        if self.plan.top_level.nodes.size:
            joined = enterprises.filter(~pl.col("initial") & pl.col("filed_s").is_not_null())
            times = joined["filed_s"].to_numpy()
            uniforms = world.streams.generator("network", "filing_top").random(len(times))
            source.filings = Filings(times, self.plan.top_level.pick(uniforms))
        return assigned

    def _record_enterprises(self) -> None:
        """With an identifier economy: its enterprises' counts per secondary node."""
        world = self.world
        enterprises = world.recorder.get(ENTERPRISES)
        days = world.recorder.get(ENTERPRISE_DAYS)
        start_date = world.scenario.run.start_date
        if enterprises is None or days is None or start_date is None or self.assigned is None:
            return
        totals = enterprise_totals(self.plan, enterprises, days, self.assigned, start_date)
        world.recorder.put(NETWORK_ENTERPRISES, totals)
