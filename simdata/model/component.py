"""The component contract: how an actor plugs into one replication's world.

Each actor of the model — catalogue, requesters, agency, sharing policy, enterprises,
subsidy, resolution node — is a :class:`Component`. It says from the scenario alone whether
it takes part (:meth:`Component.wanted`), builds itself from the :class:`World` (drawing
up front whatever is drawn by entity index, so variants share random numbers), starts its
SimPy processes or counted work (:meth:`Component.start`), and after the run has drained
hands over its frames through the recorder under names from :mod:`simdata.model.frames`
(:meth:`Component.finish`). Components find each other through the world
(``world.get(Catalogue)``), never through globals, in the spirit of desmod's component
hooks: ``world.simulate`` is a loop over the registered components, so adding an actor is
one module and one line in :data:`simdata.model.world.COMPONENTS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import simpy

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.network.tally import NodeFigures
from simdata.model.resolution.statistics import NodeStatistics
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario


@dataclass
class World:
    """What the components of one replication share: the scenario, the SimPy environment,
    the random streams, the recorder, the working-day calendar, and what they report
    beyond frames (warnings, manifest info, KPI constants, KPIs they computed themselves,
    work done outside SimPy)."""

    scenario: Scenario
    env: simpy.Environment
    streams: Streams
    recorder: Recorder
    warnings: list[str] = field(default_factory=list)
    #: What the run records in its manifest (e.g. the latency sampling plan).
    info: dict[str, object] = field(default_factory=dict)
    #: Model constants KPIs need (window length in working time, staff, SLA).
    constants: dict[str, float] = field(default_factory=dict)
    #: The batched node's sufficient statistics, from which the KPI step computes its KPIs
    #: (it keeps no per-request rows).
    node_statistics: NodeStatistics | None = None
    #: The network's statistics by node name (its KPIs are ``…@node=NAME``).
    network_figures: dict[str, NodeFigures] = field(default_factory=dict)
    #: Work done outside SimPy's event loop, counted as events (batched requests).
    extra_events: int = 0
    _components: dict[type, object] = field(default_factory=dict)
    _calendar: WorkCalendar | None = None

    @property
    def calendar(self) -> WorkCalendar:
        """The working-day calendar of a dated run, built once and shared."""
        if self._calendar is None:
            run = self.scenario.run
            if run.start_date is None:
                raise ValueError("a working-day calendar needs run.start_date")
            self._calendar = WorkCalendar(
                self.scenario.calendar or CalendarSpec(), run.start_date, run.sim_start_s,
                run.horizon,
            )  # fmt: skip
            self.warnings += self._calendar.warnings
        return self._calendar

    def add(self, component: object) -> None:
        """Make ``component`` findable by its class."""
        self._components[type(component)] = component

    def get(self, kind: type[C]) -> C | None:
        """The component of class ``kind`` in this world, if it takes part."""
        found = self._components.get(kind)
        return found if isinstance(found, kind) else None


C = TypeVar("C")


class Component(Protocol):
    """An actor of the world (see the module docstring for the life cycle)."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        """Whether this actor takes part in ``scenario`` (its sections are present)."""
        ...

    def start(self) -> None:
        """Start SimPy processes (or do counted work) once every component is built."""
        ...

    def finish(self) -> None:
        """After the drain: hand frames to the recorder, report warnings and constants."""
        ...


class ComponentType(Protocol):
    """A component class: builds a component from the world."""

    def __call__(self, world: World) -> Component: ...

    def wanted(self, scenario: Scenario) -> bool: ...
