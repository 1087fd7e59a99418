"""Pool workers die with the simdata process that started them, even when it is SIGKILLed
(with *forkserver* their parent is the fork server, so nothing else would tell them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import MM8_TEXT

pytestmark = pytest.mark.cli

#: Polling deadline (seconds) for conditions; not a timing claim.
DEADLINE_S = 60.0
#: CPU seconds after which a worker is surely running a task (imports take about 1.5 s).
BUSY_CPU_S = 2.5
#: How long the orphans get to notice (the pidfd wakes them at once; the fallback polls).
EXIT_DEADLINE_S = 15.0


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _busy_workers(parent: psutil.Process) -> bool:
    """Two workers (the fork server's children) past their imports, inside a replication:
    each has used more CPU than importing simdata takes."""
    try:
        family = parent.children(recursive=True)
        pids = {process.pid for process in family}
        workers = [process for process in family if process.ppid() in pids]
        return len(workers) == 2 and all(
            worker.cpu_times().user >= BUSY_CPU_S for worker in workers
        )
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_killing_simdata_ends_its_workers_and_closes_the_callers_pipes(tmp_path: Path) -> None:
    """SIGKILL ``simdata run --workers 2`` while its workers are busy: the caller's pipes
    close and every process it started (workers, fork server, resource tracker) exits."""
    scenario = tmp_path / "mm8.yaml"
    scenario.write_text(MM8_TEXT, encoding="utf-8")
    simdata = subprocess.Popen(
        [sys.executable, "-m", "simdata", "run", str(scenario), "--replications", "40",
         "--set", "run.horizon=400000 s", "--set", "resolution.engine=event",
         "--workers", "2", "--quiet",
         "--out", str(tmp_path / "run")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    started: list[psutil.Process] = []
    try:
        parent = psutil.Process(simdata.pid)
        deadline = time.monotonic() + DEADLINE_S
        while not _busy_workers(parent):
            assert simdata.poll() is None, simdata.communicate()[1].decode()
            assert time.monotonic() < deadline, "the pool's workers never got busy"
            time.sleep(0.05)
        started = parent.children(recursive=True)
        os.kill(simdata.pid, signal.SIGKILL)
        try:
            simdata.communicate(timeout=EXIT_DEADLINE_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the caller's pipes are still open {EXIT_DEADLINE_S:.0f} s later")
        deadline = time.monotonic() + EXIT_DEADLINE_S
        while not all(_gone(process) for process in started):
            if time.monotonic() > deadline:
                alive = [p.pid for p in started if not _gone(p)]
                pytest.fail(f"{alive} still alive {EXIT_DEADLINE_S:.0f} s after simdata died")
            time.sleep(0.05)
    finally:
        if simdata.poll() is None:
            simdata.kill()
            simdata.communicate()
        for process in started:
            if not _gone(process):
                process.kill()
