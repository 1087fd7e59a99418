"""Which frames a scenario's world will hand over, known from the scenario alone.

A target on a KPI is computable only when the frame its KPI reads is produced, so
``simdata validate`` asks this module before anything runs (issue 13 §8). Each component
of :data:`simdata.model.world.COMPONENTS` declares here, in one line of :data:`PRODUCES`,
the frames it records for a scenario it is wanted in; a test runs small scenarios and
checks that what they record is what this table says.

The resolution node records either its own requests (``requests`` on the event engine; the
batched engine's sufficient statistics give the same KPIs) and ``node_hours``, or — under
an identifier economy with ``latency_sampling: windows`` — only the sampled peak-hour
windows. ``latency_sampling: full`` falls back to windows at run time beyond 10⁶ requests
(with a warning); it is taken here as the full plan it asks for.
"""

from __future__ import annotations

from collections.abc import Callable

from simdata.model.component import ComponentType
from simdata.model.frames import (
    AGENCY,
    CATALOGUE,
    DATA_REQUESTS,
    DEPARTMENTS,
    ENTERPRISE_DAYS,
    ENTERPRISES,
    LATENCY_HISTOGRAM,
    NETWORK_ENTERPRISES,
    NETWORK_NODES,
    NODE_DAYS,
    NODE_HOURS,
    NODE_REQUESTS,
    PROJECTS,
    REGISTRATION_MILESTONES,
    REVIEWS,
    SUBSIDY,
    SUBSIDY_FAILED,
    SUBSIDY_YEARS,
    WINDOW_REQUESTS,
    WINDOW_SERVERS,
    Frame,
)
from simdata.model.identifiers.economy import EnterprisesComponent
from simdata.model.identifiers.subsidy import SubsidyComponent
from simdata.model.network.component import NetworkComponent
from simdata.model.public_data.agency import AgencyComponent
from simdata.model.public_data.catalogue import CatalogueComponent
from simdata.model.public_data.policy import PolicyComponent
from simdata.model.public_data.requesters import RequestersComponent
from simdata.model.resolution.component import ResolutionNodeComponent
from simdata.model.resolution.draws import clock_hours
from simdata.model.world import COMPONENTS
from simdata.scenario.models import Scenario

FramesOf = Callable[[Scenario], tuple[Frame, ...]]


def latency_sampled(scenario: Scenario) -> bool:
    """Whether the node's latency is simulated only in sampled peak-hour windows (KPIs
    ``…@window=peak_hour``): a node under enterprises with ``latency_sampling: windows``."""
    node = scenario.resolution
    return node is not None and scenario.enterprises is not None and node.latency_sampling != "full"


def _node_frames(scenario: Scenario) -> tuple[Frame, ...]:
    if latency_sampled(scenario):
        return (WINDOW_REQUESTS, WINDOW_SERVERS, LATENCY_HISTOGRAM)
    run = scenario.run
    # node_hours holds the whole clock hours of the measured window: none in a 10-minute run.
    if len(clock_hours(run.measure_start_s, run.horizon)) < 2:
        return (NODE_REQUESTS, LATENCY_HISTOGRAM)
    return (NODE_REQUESTS, NODE_HOURS, LATENCY_HISTOGRAM)


#: Component → the frames it records when wanted (besides ``timeseries``, which every
#: component may add to and no KPI reads). A new component adds its line here (a
#: test fails for a component of ``COMPONENTS`` without one).
PRODUCES: dict[ComponentType, FramesOf] = {
    EnterprisesComponent: lambda s: (
        NODE_DAYS,
        REGISTRATION_MILESTONES,
        ENTERPRISE_DAYS,
        ENTERPRISES,
    ),
    SubsidyComponent: lambda s: (SUBSIDY, SUBSIDY_FAILED, SUBSIDY_YEARS, ENTERPRISES),
    ResolutionNodeComponent: _node_frames,
    NetworkComponent: lambda s: (
        (NETWORK_NODES, NETWORK_ENTERPRISES) if s.enterprises is not None else (NETWORK_NODES,)
    ),
    CatalogueComponent: lambda s: (CATALOGUE,),
    RequestersComponent: lambda s: (DATA_REQUESTS,),
    AgencyComponent: lambda s: (PROJECTS, AGENCY),
    PolicyComponent: lambda s: (REVIEWS, DEPARTMENTS),
}


def produced_frames(scenario: Scenario) -> frozenset[str]:
    """Names of the frames a replication of ``scenario`` hands over."""
    names: set[str] = set()
    for kind in COMPONENTS:
        frames_of = PRODUCES.get(kind)
        if frames_of is not None and kind.wanted(scenario):
            names.update(frame.name for frame in frames_of(scenario))
    return frozenset(names)
