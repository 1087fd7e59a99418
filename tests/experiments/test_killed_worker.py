"""A Dask worker killed mid-run does not change the result (its task is recomputed)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from distributed import Client, LocalCluster

import simdata
from simdata.experiments.executors import make_executor
from simdata.experiments.replication import Replication
from tests.conftest import MM8_TEXT
from tests.experiments.helpers import assert_same_results

pytestmark = pytest.mark.unit


class _KillBusyWorker:
    """Progress callback: after the first replication, kill a worker that is busy."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.killed: int | None = None

    def __call__(self, _: Replication) -> None:
        if self.killed is not None:
            return
        busy = [address for address, keys in self.client.processing().items() if keys]
        if not busy:
            return  # nothing running right now; try after the next replication
        pids = self.client.run(os.getpid, workers=busy[:1])
        self.killed = pids[busy[0]]
        psutil.Process(self.killed).kill()


@pytest.mark.slow
def test_killed_dask_worker_leaves_the_result_unchanged(
    write_scenario: Callable[[str], Path],
) -> None:
    """Kill a busy worker process (its nanny restarts it): the run still equals serial."""
    scenario = simdata.load_scenario(
        write_scenario(MM8_TEXT), ["run.horizon=10000 s", "run.warmup=1000 s", "run.replications=8"]
    )
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        executor = make_executor(client=client)
        killer = _KillBusyWorker(client)
        result = simdata.run(scenario, executor=executor, progress=killer)
        executor.close()
    assert killer.killed is not None
    assert not psutil.pid_exists(killer.killed) or (
        psutil.Process(killer.killed).status() == psutil.STATUS_ZOMBIE
    )
    assert result.failures == []
    assert_same_results(result, simdata.run(scenario))
