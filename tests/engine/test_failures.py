"""Failure injection: a replication that raises is recorded with its seed, never dropped."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments import warmup_auto as replication_module
from simdata.model.world import Simulated, simulate
from simdata.scenario.loader import scenario_sha256
from simdata.scenario.models import Scenario
from tests.conftest import MM8_TEXT

SMALL = ["run.horizon=1000 s", "run.warmup=100 s", "run.replications=3"]


def _failing_on(index: int) -> Callable[..., Simulated]:
    def fake(scenario: Scenario, replication: int, seed: int | None = None) -> Simulated:
        if replication == index:
            raise ZeroDivisionError(f"injected failure in replication {replication}")
        return simulate(scenario, replication, seed)

    return fake


@pytest.mark.unit
def test_failed_replication_is_reported_with_seed(
    write_scenario: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run keeps the other replications, marks itself failed and names the seed."""
    monkeypatch.setattr(replication_module, "simulate", _failing_on(1))
    scenario = simdata.load_scenario(write_scenario(MM8_TEXT), SMALL)
    result = simdata.run(scenario, out=tmp_path / "run")
    assert result.status == "failed"
    assert [failure.to_json() for failure in result.failures] == [
        {
            "replication": 1,
            "root_seed": 7,
            "error": "ZeroDivisionError: injected failure in replication 1",
            "scenario": "mm8",
            "scenario_sha256": scenario_sha256(scenario),
        }
    ]
    assert sorted(result.kpis["replication"].unique()) == [0, 2]
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["failures"] == [failure.to_json() for failure in result.failures]
    assert not (tmp_path / "run" / "parts").exists()
    assert "injected failure" in (tmp_path / "run" / "summary.md").read_text()


@pytest.mark.cli
def test_cli_exits_1_and_says_which_replication_failed(
    write_scenario: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`simdata run` prints the failed replication and its seed and exits 1."""
    monkeypatch.setattr(replication_module, "simulate", _failing_on(0))
    path = write_scenario(MM8_TEXT)
    args = ["run", str(path), "--out", str(tmp_path / "run"), "--workers", "1"]
    for item in SMALL:
        args += ["--set", item]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "replication 0 failed" in result.stderr
    assert "root seed 7" in result.stderr
    assert "scenario mm8, sha256" in result.stderr
    assert "1 of 3 replication(s) failed" in result.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert [f["replication"] for f in manifest["failures"]] == [0]
    assert "Traceback" not in result.stderr


@pytest.mark.unit
@pytest.mark.slow
def test_short_warmup_gets_an_mser5_suggestion(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """An M/M/1 at ρ = 0.95 started empty with no warm-up is warned about; 1000 s is not.
    (On 4000 s the empty start matters; on 50,000 s it is immaterial and not warned about.)"""
    path = write_scenario(MM8_TEXT)
    busy = [
        "resolution.servers=1",
        "resolution.traffic.rate=0.95/s",
        "run.horizon=4000 s",
        "run.replications=20",
    ]
    cold = simdata.run(simdata.load_scenario(path, [*busy, "run.warmup=0 s"]), out=tmp_path / "c")
    (warning,) = cold.warnings
    assert "MSER-5" in warning
    assert "run.warmup" in warning
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["warnings"] == [warning]
    warm = simdata.run(simdata.load_scenario(path, [*busy, "run.warmup=1000 s"]))
    assert warm.warnings == []
