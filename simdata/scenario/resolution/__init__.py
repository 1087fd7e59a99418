"""Scenario section of the identifier-resolution node: ``resolution``, its traffic, its SLA."""

from simdata.scenario.resolution.node import CacheSpec, ResolutionSpec
from simdata.scenario.resolution.sla import LATENCY_PERCENTILES, Sla, parse_sla
from simdata.scenario.resolution.traffic import HOURS_PER_DAY, TrafficSpec

__all__ = [
    "HOURS_PER_DAY",
    "LATENCY_PERCENTILES",
    "CacheSpec",
    "ResolutionSpec",
    "Sla",
    "TrafficSpec",
    "parse_sla",
]
