"""Enterprises on a network: each registers on one secondary node; counts add up per node,
per province and network-wide, and a province target is judged on the sum."""

from __future__ import annotations

import polars as pl
import pytest

import simdata
from simdata.analysis.kpis import compute_kpis
from simdata.model.frames import ENTERPRISES, NETWORK_ENTERPRISES, NETWORK_NODES, NODE_DAYS
from simdata.model.world import Simulated, simulate
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.unit

OVERRIDES = ["run.end_date=2021-06-30", "network.window=1 d", "run.replications=1"]


@pytest.fixture(scope="module")
def simulated() -> Simulated:
    scenario = simdata.load_scenario(SCENARIOS / "fujian-network.yaml", OVERRIDES)
    return simulate(scenario, 0)


def test_every_enterprise_on_one_secondary_node(simulated: Simulated) -> None:
    totals = simulated.frames[NETWORK_ENTERPRISES.name]
    enterprises = simulated.frames[ENTERPRISES.name]
    days = simulated.frames[NODE_DAYS.name]
    assert totals["enterprises"].sum() == enterprises.height
    assert totals["new_registrations"].sum() == days["new_identifiers"].max()
    assert totals["identifiers"].sum() == days["identifiers"].max()
    assert set(totals["node"]) == {"fuzhou", "xiamen", "quanzhou", "electronics", "textiles"}
    # Shares 40/20/20/10/10 % of some hundred enterprises: Fuzhou holds the most.
    by_node = dict(zip(totals["node"], totals["enterprises"], strict=True))
    assert by_node["fuzhou"] == max(by_node.values())


def test_province_and_node_kpis_add_up(simulated: Simulated) -> None:
    kpis = compute_kpis(simulated)
    nodes = ("fuzhou", "xiamen", "quanzhou", "electronics", "textiles")
    for base in (
        "registrations.new_count",
        "registrations.total_count",
        "enterprises.joined_count",
    ):
        per_node = sum(kpis[f"{base}@node={node}"] for node in nodes)
        assert kpis[f"{base}@province=福建"] == per_node == kpis[base]
    assert kpis["resolutions.daily_mean@province=福建"] == pytest.approx(
        kpis["resolutions.daily_mean"]
    )


def test_window_simulates_only_the_last_day(simulated: Simulated) -> None:
    table = simulated.frames[NETWORK_NODES.name]
    entered = table.filter(pl.col("kind") == "recursive")["arrivals"].sum()
    # network.traffic 250,000/d at a weekend factor 0.4 (2021-06-30 is a Wednesday: 1.0).
    assert 240_000 < entered < 260_000


def test_registration_writes_load_their_nodes_servers(simulated: Simulated) -> None:
    """Each node's servers also serve its enterprises' registration writes (the window's
    daily registrations, as a Poisson stream); writes are not counted as resolutions."""
    kpis = compute_kpis(simulated)
    table = simulated.frames[NETWORK_NODES.name]
    arrivals = dict(zip(table["node"], table["arrivals"], strict=True))
    days = simulated.frames["enterprise_days"].filter(pl.col("date") == pl.date(2021, 6, 30))
    owners = simulated.frames[NETWORK_ENTERPRISES.name]
    assert owners["enterprises"].sum() > 0
    total_writes = days["registrations"].sum()
    served = 0.0
    for node in ("fuzhou", "xiamen", "quanzhou", "electronics", "textiles"):
        completed = kpis[f"resolution.throughput@node={node}"] * 86_400
        served += completed - arrivals[node]  # beyond the node's resolutions: writes
    assert abs(served - total_writes) < 6 * total_writes**0.5 + 50
    # The path KPIs count resolutions only: a node's owned resolutions are unchanged.
    assert kpis["resolution.arrivals_count@node=fuzhou"] < 0.5 * 250_000


def test_prefix_filings_reach_the_top_level_node() -> None:
    """Each enterprise's prefix filing (备案) is a write at a top-level node at its exact
    filing time: Shanghai's servers complete the window's resolutions and its filings."""
    overrides = [*OVERRIDES[:1], "network.window=7 d", "run.replications=1"]
    simulated = simulate(simdata.load_scenario(SCENARIOS / "fujian-network.yaml", overrides), 0)
    kpis = compute_kpis(simulated)
    table = simulated.frames[NETWORK_NODES.name]
    arrivals = dict(zip(table["node"], table["arrivals"], strict=True))
    end = simulated.window.end_s
    filed = simulated.frames[ENTERPRISES.name].filter(
        ~pl.col("initial") & (pl.col("filed_s") >= end - 7 * 86_400) & (pl.col("filed_s") < end)
    )
    assert filed.height >= 5
    completed = kpis["resolution.throughput@node=shanghai"] * 7 * 86_400
    # Completions in the window: its arrivals and filings, give or take the few in flight
    # at its two ends (sojourns of milliseconds).
    assert abs(completed - arrivals["shanghai"] - filed.height) <= 3
