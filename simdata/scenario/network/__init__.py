"""Scenario section of the resolution network: ``network``, its nodes and routing."""

from simdata.scenario.network.node import LAYERS, NetworkNode, NodeKind
from simdata.scenario.network.section import NetworkSpec, check_network_alone

__all__ = ["LAYERS", "NetworkNode", "NetworkSpec", "NodeKind", "check_network_alone"]
