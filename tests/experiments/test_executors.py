"""Every executor gives the serial run's results: process pool (1, 2 workers), Dask, auto."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import simdata
from simdata.cli import cli
from simdata.experiments import executors
from simdata.experiments.executors import AutoExecutor, PoolExecutor, auto, make_executor
from simdata.experiments.run import RunResult
from simdata.scenario.models import Scenario
from tests.conftest import MM8_TEXT
from tests.experiments.helpers import SHORT, assert_same_results, assert_same_run_dirs

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    path = tmp_path_factory.mktemp("exec") / "mm8.yaml"
    path.write_text(MM8_TEXT, encoding="utf-8")
    return simdata.load_scenario(path, [*SHORT, "run.replications=6"])


@pytest.fixture(scope="module")
def serial(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return simdata.run(scenario, out=tmp_path_factory.mktemp("serial") / "run")


@pytest.mark.parametrize("workers", [1, 2])
def test_process_pool_equals_serial(
    scenario: Scenario, serial: RunResult, workers: int, tmp_path: Path
) -> None:
    """A process pool of 1 or 2 workers writes exactly the serial run's tables (the
    kpis.parquet, summary and timeseries files, read back and sorted)."""
    executor = PoolExecutor(workers)
    try:
        result = simdata.run(scenario, executor=executor, out=tmp_path / "run")
    finally:
        executor.close()
    assert_same_results(result, serial)
    assert serial.out_dir is not None
    assert_same_run_dirs(tmp_path / "run", serial.out_dir)


@pytest.mark.slow
def test_dask_local_cluster_equals_serial(
    scenario: Scenario, serial: RunResult, tmp_path: Path
) -> None:
    """A Dask LocalCluster of 2 worker processes writes exactly the serial run's tables."""
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        executor = make_executor(client=client)
        result = simdata.run(scenario, executor=executor, out=tmp_path / "run")
        executor.close()
    assert_same_results(result, serial)
    assert serial.out_dir is not None
    assert_same_run_dirs(tmp_path / "run", serial.out_dir)


def test_auto_executor_keeps_tiny_work_in_this_process() -> None:
    """Work of a few milliseconds never starts processes (a lambda could not be pickled)."""
    executor = AutoExecutor(workers=2)
    results = dict(executor.map(lambda x: x * 2, [1, 2, 3], ["a", "b", "c"]))
    executor.close()
    assert results == {0: 2, 1: 4, 2: 6}


def test_auto_executor_moves_long_work_to_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the remaining work looks long, the rest goes to a pool; positions stay right."""
    monkeypatch.setattr(auto, "POOL_WORTH_S", 0.0)
    executor = AutoExecutor(workers=2)
    try:
        results = dict(executor.map(math.sqrt, [0.0, 1.0, 4.0, 9.0], ["a", "b", "c", "d"]))
        assert executor._pool is not None
    finally:
        executor.close()
    assert results == {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.0}


def test_make_executor_choices() -> None:
    """--workers 1 is serial, N ≥ 2 a pool, none the auto default; bad values exit 2."""
    assert isinstance(make_executor(1), executors.SerialExecutor)
    assert isinstance(make_executor(2), PoolExecutor)
    assert isinstance(make_executor(), AutoExecutor)
    with pytest.raises(simdata.SimdataError, match="--workers: expected an integer ≥ 1, got 0"):
        make_executor(0)
    with pytest.raises(simdata.SimdataError, match="one of them, got both"):
        make_executor(2, "tcp://127.0.0.1:8786")


@pytest.mark.cli
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:1"], "install simdata[dask]"),
        (["--workers", "0"], "--workers: expected an integer ≥ 1, got 0"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "got both"),
    ],
)
def test_bad_executor_options_exit_2_and_write_nothing(
    write_scenario: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    message: str,
) -> None:
    """Without Dask, --scheduler says to install simdata[dask]: one line, exit 2, no files."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    out = tmp_path / "never"
    args = ["run", str(write_scenario(MM8_TEXT)), *options, "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("address", ["foo", "tcp://host", "http://h:1/x", "tcp://h:port"])
def test_a_malformed_scheduler_address_is_one_line_before_connecting(
    write_scenario: Callable[[str], Path], tmp_path: Path, address: str
) -> None:
    """No client is built for an address Dask would choke on (a traceback and a 40 s
    hang before this check): one line naming the expected form, exit 2, nothing written."""
    out = tmp_path / "never"
    args = ["run", str(write_scenario(MM8_TEXT)), "--scheduler", address, "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "tcp://HOST:PORT" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
