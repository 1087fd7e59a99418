"""Assemble one replication's world from a scenario and simulate it to the end.

``simulate`` is where components meet (:mod:`simdata.model.component`): it builds the SimPy
environment, the streams and the recorder, builds every component the scenario asks for
in the order of :data:`COMPONENTS`, starts them, runs until every arrival before the
horizon has left (the drain), lets each hand over its frames, and returns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import simpy

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.component import Component, ComponentType, World
from simdata.model.identifiers.economy import EnterprisesComponent
from simdata.model.identifiers.subsidy import SubsidyComponent
from simdata.model.network.component import NetworkComponent
from simdata.model.network.tally import NodeFigures
from simdata.model.public_data.agency import AgencyComponent
from simdata.model.public_data.catalogue import CatalogueComponent
from simdata.model.public_data.policy import PolicyComponent
from simdata.model.public_data.requesters import RequestersComponent
from simdata.model.resolution.component import AUTO_BATCHED_REQUESTS, ResolutionNodeComponent
from simdata.model.resolution.statistics import NodeStatistics
from simdata.scenario.models import Scenario

__all__ = ["AUTO_BATCHED_REQUESTS", "COMPONENTS", "Simulated", "Window", "simulate"]

#: Every actor, in the order they are built, started and finished: a component may use
#: those before it (the subsidy judges the enterprises' counts; the node serves their
#: traffic; the policy's desk needs the catalogue, the requests and the agency). Adding
#: an actor is one line here.
COMPONENTS: tuple[ComponentType, ...] = (
    EnterprisesComponent,
    SubsidyComponent,
    ResolutionNodeComponent,
    NetworkComponent,
    CatalogueComponent,
    RequestersComponent,
    AgencyComponent,
    PolicyComponent,
)


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
    warnings: list[str] = field(default_factory=list)
    #: What the run should record in its manifest (e.g. the latency sampling plan).
    info: dict[str, object] = field(default_factory=dict)
    #: The batched node's sufficient statistics (its KPIs come from them, not from rows).
    node_statistics: NodeStatistics | None = None
    #: The network's statistics by node name (its KPIs are ``…@node=NAME``).
    network_figures: dict[str, NodeFigures] = field(default_factory=dict)


def simulate(scenario: Scenario, replication: int, seed: int | None = None) -> Simulated:
    """Simulate replication ``replication`` of ``scenario`` (root seed ``seed`` or the run's)."""
    root_seed = scenario.run.seed if seed is None else seed
    run = scenario.run
    world = World(
        scenario,
        simpy.Environment(initial_time=run.sim_start_s),
        Streams(root_seed, replication),
        Recorder(),
    )
    components: list[Component] = []
    for kind in COMPONENTS:
        if kind.wanted(scenario):
            component = kind(world)
            world.add(component)
            components.append(component)
    for component in components:
        component.start()
    events = _drain(world.env)
    for component in components:
        component.finish()
    servers = scenario.resolution.servers if scenario.resolution is not None else 0
    return Simulated(
        frames=world.recorder.frames(),
        window=Window(run.measure_start_s, run.horizon, servers, world.constants),
        events=events + world.extra_events,
        warnings=world.warnings,
        info=world.info,
        node_statistics=world.node_statistics,
        network_figures=world.network_figures,
    )


def _drain(env: simpy.Environment) -> int:
    """Run until no event is left; the number of events processed."""
    events = 0
    # Step manually: run() until empty would hide the event count we report.
    step = env.step
    try:
        while True:
            step()
            events += 1
    except simpy.core.EmptySchedule:
        pass
    return events
