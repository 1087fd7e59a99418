"""Every shipped scenario survives the two trips a run makes it take: into the run
directory's ``scenario.yaml`` (read back by ``--resume``) and through pickle (to process-
pool and Dask workers)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import simdata
from simdata.scenario.loader import scenario_sha256, scenario_to_yaml

SHIPPED = sorted(Path("scenarios").glob("*.yaml"))


@pytest.mark.unit
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_round_trips_through_yaml_and_pickle(path: Path, tmp_path: Path) -> None:
    scenario = simdata.load_scenario(path)
    resolved = tmp_path / "scenario.yaml"
    resolved.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    again = simdata.load_scenario(resolved)
    assert again == scenario
    assert scenario_sha256(again) == scenario_sha256(scenario)
    assert pickle.loads(pickle.dumps(scenario)) == scenario
