"""``simdata optimize --scheduler ADDR`` on a real ``dask scheduler`` with two ``dask worker``
processes (the cluster of tests/experiments/test_dask_processes.py), the CLI in its own
process: the same plans, statuses, estimates and chosen plan as ``--workers 2`` on the
local pool — candidates.parquet and plan.json identical."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from simdata.cli import cli
from tests.experiments import test_dask_processes as dask_processes
from tests.optimize.test_report_optimize import mmck_case

pytestmark = [pytest.mark.cli, pytest.mark.slow]

#: The real cluster, started once for this module (a fixture object assigned here).
cluster = dask_processes.cluster


def test_optimize_on_a_dask_cluster_equals_the_pool(
    cluster: dask_processes.Cluster, tmp_path: Path
) -> None:
    scenario, design = mmck_case(tmp_path)
    distributed = tmp_path / "dask"
    process = dask_processes._simdata(
        "optimize", scenario, "--design", design, "--scheduler", cluster.address,
        "--out", distributed,
    )  # fmt: skip
    dask_processes._finished(process)
    pooled = tmp_path / "pool"
    outcome = CliRunner().invoke(
        cli,
        ["optimize", str(scenario), "--design", str(design), "--workers", "2",
         "--out", str(pooled), "--quiet"],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert_frame_equal(
        pl.read_parquet(distributed / "candidates.parquet"),
        pl.read_parquet(pooled / "candidates.parquet"),
    )
    plan = json.loads((distributed / "plan.json").read_text(encoding="utf-8"))
    assert plan == json.loads((pooled / "plan.json").read_text(encoding="utf-8"))
    assert plan["plan"]["levers"] == {"servers": 4.0, "queue": 12.0}
    manifest = json.loads((distributed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert manifest["replications_spent"] == plan["replications_spent"]
    assert any(name.startswith("optimize") for name in _task_prefixes(cluster.address))


def _task_prefixes(address: str) -> list[str]:
    """The task prefixes the scheduler has seen (kept after the tasks are released): the
    replications ran on the cluster, not in the CLI's process."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        found = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    return [str(name) for name in found]
