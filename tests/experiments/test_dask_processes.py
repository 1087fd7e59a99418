"""The real distributed path: ``dask scheduler`` and two ``dask worker`` processes, the CLI
with ``--scheduler`` in its own process, tables compared with the serial run byte for byte."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from tests.cli_checks import one_line_error
from tests.conftest import GRID_TEXT, MM8_TEXT, MMC_TEXT

pytestmark = [pytest.mark.cli, pytest.mark.slow]

DASK = Path(sys.executable).with_name("dask")
#: Generous: two cores shared with other work; every wait polls a condition up to this.
DEADLINE_S = 120.0

NETWORK_TEXT = """\
name: network-on-dask
run: {horizon: 600 s, warmup: 30 s, replications: 3, seed: 9}
network:
  engine: batched
  traffic: {rate: 300/s}
  sla: p99<=50ms
  nodes:
    - {name: rec, kind: recursive, hit_ratio: 50%, link: {dist: constant, value: 2 ms}}
    - {name: top, kind: top_level, servers: 1, service_time: {dist: exponential, mean: 1 ms}}
    - {name: a, kind: secondary, province: 福建, share: 70%, servers: 1}
    - {name: b, kind: secondary, province: 广东, share: 30%, servers: 1}
"""
MM1_TEXT = """\
name: mm1-capacity
run: {horizon: 2200 s, warmup: 200 s, replications: 3, seed: 5}
resolution:
  servers: 1
  service_time: {dist: exponential, mean: 4 ms}
  traffic: {rate: 100/s}
  sla: p99<=50ms
"""


@dataclass
class Cluster:
    """A scheduler and its workers, each a process group of its own (``dask worker`` is a
    nanny whose child is the worker proper)."""

    address: str
    root: Path
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def worker_logs(self) -> list[Path]:
        return [self.root / f"worker-{i}.log" for i in range(len(self.workers))]


def _wait_for(condition: object, what: str) -> None:
    """Poll ``condition()`` until true; fail naming ``what`` after :data:`DEADLINE_S`."""
    assert callable(condition)
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _registered(log: Path, times: int = 1) -> bool:
    return log.exists() and log.read_text(errors="replace").count("Registered to:") >= times


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the process group (nanny and worker, or the scheduler): TERM, then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """``dask scheduler`` on a free port of 127.0.0.1 and two single-thread ``dask worker``
    processes, started once for the module and torn down by process group."""
    root = tmp_path_factory.mktemp("dask")
    scheduler_file = root / "scheduler.json"

    def start(args: list[str], log: str) -> subprocess.Popen[bytes]:
        with open(root / log, "wb") as sink:
            return subprocess.Popen(
                [str(DASK), *args],
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    scheduler = start(
        ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(scheduler_file)],
        "scheduler.log",
    )  # fmt: skip
    cluster = Cluster(address="", root=root, scheduler=scheduler)
    try:
        _wait_for(lambda: scheduler_file.exists() and "address" in scheduler_file.read_text(),
                  "the scheduler file")  # fmt: skip
        cluster.address = json.loads(scheduler_file.read_text())["address"]
        for i in range(2):
            cluster.workers.append(
                start(
                    [
                        "worker",
                        cluster.address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--local-directory",
                        str(root / f"w{i}"),
                    ],
                    f"worker-{i}.log",
                )
            )
        for log in cluster.worker_logs():
            _wait_for(lambda log=log: _registered(log), f"{log.name} to register")
        yield cluster
    finally:
        for process in [*cluster.workers, scheduler]:
            _stop(process)


def _simdata(*args: str | Path) -> subprocess.Popen[str]:
    """The CLI in a process of its own, as a user runs it (started, not awaited)."""
    return subprocess.Popen(
        [sys.executable, "-m", "simdata", *map(str, args), "--quiet"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finished(process: subprocess.Popen[str]) -> str:
    """Wait for a CLI process; it must exit 0. Its stderr."""
    try:
        _, stderr = process.communicate(timeout=DEADLINE_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    return stderr


def _serial(*args: str | Path) -> None:
    """The serial reference (``--workers 1``), through the CLI in this process."""
    result = CliRunner().invoke(cli, [*map(str, args), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output


def assert_same_bytes(mine: Path, theirs: Path, names: list[str]) -> None:
    """The named files of two run directories are identical, byte for byte."""
    for name in names:
        assert (mine / name).read_bytes() == (theirs / name).read_bytes(), name


RUN_TABLES = ["kpis.parquet", "summary.parquet", "timeseries.parquet", "latency_histogram.parquet"]
SHORT = ["--replications", "3", "--set", "run.horizon=2000 s", "--set", "run.warmup=200 s"]
#: Replications of ~0.3 s each: the run is still busy after its first one is written.
LONGER = ["--replications", "6", "--set", "run.horizon=6000 s", "--set", "run.warmup=600 s"]


@dataclass
class Launched:
    """A CLI command started with ``--scheduler``: its process, its inputs, its --out."""

    process: subprocess.Popen[str]
    inputs: list[str | Path]
    out: Path


@pytest.fixture(scope="module")
def launched(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Launched]:
    """``run`` (twice: one to have a worker killed under it), ``sweep`` and ``capacity``
    started together on the cluster; their imports and tasks overlap, and each test then
    checks its own."""
    root = tmp_path_factory.mktemp("launched")
    files = {"mm8.yaml": MM8_TEXT, "mmc.yaml": MMC_TEXT, "grid.yaml": GRID_TEXT,
             "mm1.yaml": MM1_TEXT, "network.yaml": NETWORK_TEXT}  # fmt: skip
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    commands: dict[str, list[str | Path]] = {
        "killed": ["run", root / "mm8.yaml", *LONGER],
        "run": ["run", root / "mm8.yaml", *SHORT],
        "sweep": ["sweep", root / "mmc.yaml", "--design", root / "grid.yaml"],
        "capacity": ["capacity", root / "mm1.yaml"],
        "network": ["run", root / "network.yaml"],
    }
    return {
        name: Launched(
            _simdata(*inputs, "--scheduler", cluster.address, "--out", root / name),
            inputs,
            root / name,
        )
        for name, inputs in commands.items()
    }


def _replications_done(out: Path) -> int:
    try:
        return int(json.loads((out / "manifest.json").read_text())["replications_done"])
    except (OSError, ValueError, KeyError):  # not written yet, or mid-replace
        return 0


def test_a_worker_killed_mid_run_leaves_the_tables_unchanged(
    cluster: Cluster, launched: dict[str, Launched], tmp_path: Path
) -> None:
    """SIGKILL one worker once a replication is written (the other commands are in flight
    too): its tasks are recomputed and the run's tables equal the serial run's byte for
    byte."""
    job = launched["killed"]
    try:
        _wait_for(
            lambda: _replications_done(job.out) >= 1 or job.process.poll() is not None,
            "the first replication",
        )
        assert job.process.poll() is None, "the run ended before a worker could be killed"
        # The whole `dask worker` (nanny and worker proper), as when its machine dies: no
        # restart, the scheduler reschedules what it held on the other worker.
        victim = cluster.workers[0]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
    except BaseException:
        job.process.kill()
        job.process.communicate()
        raise
    assert _finished(job.process) == ""  # nothing from Dask on the terminal either
    assert json.loads((job.out / "manifest.json").read_text())["failures"] == []
    _serial(*job.inputs, "--out", tmp_path / "serial")
    assert_same_bytes(job.out, tmp_path / "serial", RUN_TABLES)


def test_run_on_dask_processes_equals_serial(launched: dict[str, Launched], tmp_path: Path) -> None:
    """``simdata run --scheduler`` against real processes completes (it failed with "No
    clients found"), says nothing on stderr and writes the serial run's tables byte for
    byte."""
    job = launched["run"]
    assert _finished(job.process) == ""
    _serial(*job.inputs, "--out", tmp_path / "serial")
    assert_same_bytes(job.out, tmp_path / "serial", RUN_TABLES)


def test_sweep_on_dask_processes_equals_serial(
    launched: dict[str, Launched], tmp_path: Path
) -> None:
    """``simdata sweep --scheduler`` writes the serial sweep's points and indices byte for
    byte."""
    job = launched["sweep"]
    _finished(job.process)
    _serial(*job.inputs, "--out", tmp_path / "serial")
    assert_same_bytes(job.out, tmp_path / "serial", ["points.parquet", "indices.parquet"])


def test_capacity_on_dask_processes_equals_serial(
    launched: dict[str, Launched], tmp_path: Path
) -> None:
    """``simdata capacity --scheduler`` writes the serial search's curve and answer byte for
    byte."""
    job = launched["capacity"]
    _finished(job.process)
    _serial(*job.inputs, "--out", tmp_path / "serial")
    assert_same_bytes(job.out, tmp_path / "serial", ["curve.parquet", "capacity.json"])


def test_network_run_on_dask_processes_equals_serial(
    launched: dict[str, Launched], tmp_path: Path
) -> None:
    """A resolution network's replications on real Dask processes: the serial run's KPIs,
    node table and per-node histograms byte for byte (issue 19)."""
    job = launched["network"]
    assert _finished(job.process) == ""
    _serial(*job.inputs, "--out", tmp_path / "serial")
    tables = ["kpis.parquet", "summary.parquet", "network_nodes.parquet", "histograms.parquet"]
    assert_same_bytes(job.out, tmp_path / "serial", tables)


def test_a_worker_address_is_one_line(cluster: Cluster, tmp_path: Path) -> None:
    """``--scheduler`` given a worker's address (it speaks Dask, but is not a scheduler) is
    one line and exit 2, nothing written (was a traceback, then a 40 s hang)."""
    log = cluster.worker_logs()[1].read_text(errors="replace")
    address = log.split("Start worker at:")[1].split()[0]
    scenario = tmp_path / "mm8.yaml"
    scenario.write_text(MM8_TEXT, encoding="utf-8")
    out = tmp_path / "never"
    result = CliRunner().invoke(
        cli, ["run", str(scenario), "--scheduler", address, "--out", str(out)]
    )
    assert one_line_error(result) == (
        f"--scheduler {address}: expected a Dask scheduler, got a Dask Worker (give the "
        f"address the scheduler prints as 'Scheduler at:')"
    )
    assert not out.exists()
