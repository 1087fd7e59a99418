"""Small real runs for the backtest tests, built once per session: half a year of the
Zhanjiang node (8 replications, about 0.6 s) and two months of Fujian's public data
(6 replications, about 1.7 s), each with a one-replication run of the same scenario under
another seed — an observation the model itself produced."""

from __future__ import annotations

from pathlib import Path

import pytest

import simdata
from tests.conftest import SCENARIOS

ZHANJIANG = (
    SCENARIOS / "zhanjiang-baseline.yaml",
    ["run.end_date=2024-06-30", "subsidy.deadline=2024-06-30", "run.replications=8"],
)
FUJIAN = (
    SCENARIOS / "fujian-public-data.yaml",
    ["run.end_date=2026-02-28", "run.warmup=1 month", "run.replications=6"],
)


def _run(folder: Path, case: tuple[Path, list[str]], extra: list[str]) -> Path:
    scenario = simdata.load_scenario(case[0], [*case[1], *extra])
    simdata.run(scenario, out=folder)
    return folder


@pytest.fixture(scope="session")
def zhanjiang_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the run, one replication under seed 91)."""
    root = tmp_path_factory.mktemp("bt-zhanjiang")
    return (
        _run(root / "run", ZHANJIANG, []),
        _run(root / "observed", ZHANJIANG, ["run.replications=1", "run.seed=91"]),
    )


@pytest.fixture(scope="session")
def fujian_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the run, one replication under seed 92)."""
    root = tmp_path_factory.mktemp("bt-fujian")
    return (
        _run(root / "run", FUJIAN, []),
        _run(root / "observed", FUJIAN, ["run.replications=1", "run.seed=92"]),
    )
