"""Random streams: determinism, independence from settings, common random numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import simdata
from simdata.engine.streams import Streams, stable_id
from simdata.experiments.replication import run_replication
from tests.conftest import MM8_TEXT

SMALL = ["run.horizon=3000 s", "run.warmup=300 s", "run.replications=3"]


@pytest.mark.unit
def test_stable_ids_do_not_depend_on_python_hash() -> None:
    """Component ids are CRC32 of the name: fixed across processes and versions."""
    assert stable_id("resolution") == 0xFDD30F8A  # CRC32, the same on every machine
    assert stable_id("arrivals") != stable_id("service")
    assert Streams(7, 0).spawn_key("resolution", "arrivals") == (
        0,
        stable_id("resolution"),
        stable_id("arrivals"),
    )


@pytest.mark.unit
def test_streams_are_reproducible_and_distinct() -> None:
    """Same (seed, replication, component, purpose) ⇒ same numbers; any change ⇒ others."""
    a = Streams(7, 0).generator("resolution", "arrivals").random(5)
    assert np.array_equal(a, Streams(7, 0).generator("resolution", "arrivals").random(5))
    for other in (
        Streams(8, 0).generator("resolution", "arrivals"),
        Streams(7, 1).generator("resolution", "arrivals"),
        Streams(7, 0).generator("resolution", "service"),
    ):
        assert not np.array_equal(a, other.random(5))


@pytest.mark.unit
def test_same_seed_same_kpis_other_seed_other_kpis(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """Same scenario + seed ⇒ identical kpis.parquet content; another seed ⇒ different."""
    path = write_scenario(MM8_TEXT)
    scenario = simdata.load_scenario(path, SMALL)
    first = simdata.run(scenario, out=tmp_path / "a")
    second = simdata.run(scenario, out=tmp_path / "b")
    third = simdata.run(scenario, seed=8, out=tmp_path / "c")
    read = {
        k: pl.read_parquet(tmp_path / k / "kpis.parquet").sort("replication", "kpi") for k in "abc"
    }
    assert read["a"].equals(read["b"])
    assert read["a"].equals(first.kpis.sort("replication", "kpi"))
    assert second.kpis.sort("replication", "kpi").equals(read["b"])
    assert not read["a"].equals(read["c"])
    assert third.scenario.run.seed == 8


@pytest.mark.unit
def test_variants_differing_in_servers_see_the_same_requests(
    write_scenario: Callable[[str], Path],
) -> None:
    """Common random numbers: servers=8 vs 9 (and a queue limit) share arrivals and services."""
    path = write_scenario(MM8_TEXT)
    base = simdata.load_scenario(path, SMALL)
    variants = [
        simdata.load_scenario(path, [*SMALL, "resolution.servers=9"]),
        simdata.load_scenario(path, [*SMALL, "resolution.servers=9", "resolution.queue_limit=10"]),
    ]
    for replication in (0, 2):
        reference = run_replication(base, replication, keep_requests=True).frames["requests"]
        for variant in variants:
            other = run_replication(variant, replication, keep_requests=True).frames["requests"]
            assert reference.height == other.height
            assert reference["arrival_s"].equals(other["arrival_s"])
            assert reference["service_s"].equals(other["service_s"])
            # ... while what the node did with them differs.
            assert not reference["start_s"].equals(other["start_s"])


@pytest.mark.unit
def test_replications_are_independent_of_their_order(
    write_scenario: Callable[[str], Path],
) -> None:
    """Replication 2 alone gives the same KPIs as replication 2 within a full run."""
    scenario = simdata.load_scenario(write_scenario(MM8_TEXT), SMALL)
    alone = run_replication(scenario, 2).kpis
    within = simdata.run(scenario).kpis.filter(pl.col("replication") == 2)
    assert dict(zip(within["kpi"], within["value"], strict=True)) == alone
