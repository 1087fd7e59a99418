"""A sweep whose executor fails (a pool worker killed, any exception) keeps its finished points
and says so: one line, exit 1, a ``failed`` manifest with the runs done and the error (issue 15,
item 9)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import psutil
import pytest
from click.testing import CliRunner

import simdata
import simdata.cli.sweep_command as sweep_command
from simdata.cli import cli
from simdata.errors import RunError
from simdata.experiments.executors import PoolExecutor
from simdata.experiments.sweep import sweep
from tests.sweep.test_sweep_cli import GRID_TEXT, MMC_TEXT

pytestmark = pytest.mark.cli

T = TypeVar("T")
R = TypeVar("R")

#: The grid of test_sweep_cli with 4 replications: 16 runs of about 0.1 s.
GRID_16 = GRID_TEXT.replace("replications: 2", "replications: 4")
SHORT_MMC = MMC_TEXT.replace("horizon: 1000 s, warmup: 100 s", "horizon: 500 s, warmup: 50 s")


class KillAfterFirst:
    """A real two-process pool that SIGKILLs one of its workers once the first run is back."""

    def __init__(self) -> None:
        self.pool = PoolExecutor(2)
        self.killed: int | None = None

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        for position, result in self.pool.map(fn, items, keys):
            yield position, result
            if self.killed is None:
                processes = getattr(self.pool._pool, "_processes", {})
                self.killed = next(iter(processes.values())).pid
                assert self.killed is not None
                os.kill(self.killed, signal.SIGKILL)

    def close(self) -> None:
        self.pool.close()


class BrokenAfter:
    """An executor that yields ``good`` results, then fails as a pool does when a worker dies."""

    def __init__(self, good: int) -> None:
        self.good = good

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        for position, item in enumerate(items[: self.good]):
            yield position, fn(item)
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    def close(self) -> None:
        return None


def _assert_failed_manifest(out: Path, runs: int) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    assert (manifest["kind"], manifest["status"]) == ("sweep", "failed")
    assert manifest["runs"] == runs
    assert 1 <= manifest["runs_done"] < runs
    assert "BrokenProcessPool" in manifest["error"]
    points = pl.read_parquet(out / "points.parquet")
    assert points.height == runs
    # The finished runs are kept, the rest are missing (NaN, not made up).
    assert points["resolution.wait_mean"].is_not_nan().sum() == manifest["runs_done"]
    assert not (out / "indices.parquet").exists()
    return manifest


@pytest.mark.slow
def test_a_killed_pool_worker_fails_the_sweep_in_one_line(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """simdata sweep --workers 2 with a worker SIGKILLed after the first run: exit 1, one
    stderr line, a failed manifest counting the runs done, their points kept."""
    killer = KillAfterFirst()
    monkeypatch.setattr(sweep_command, "make_executor", lambda workers, scheduler: killer)
    scenario = write_scenario(SHORT_MMC, "mmc.yaml")
    design = write_scenario(GRID_16, "grid.yaml")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--workers", "2", "--out", str(out)]
    )
    assert killer.killed is not None
    assert not psutil.pid_exists(killer.killed) or (
        psutil.Process(killer.killed).status() == psutil.STATUS_ZOMBIE
    )
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "Traceback" not in result.output
    assert "\n" not in message, message
    assert message.startswith("the sweep stopped: BrokenProcessPool: "), message
    manifest = _assert_failed_manifest(out, 16)
    assert f"; {manifest['runs_done']} of 16 runs finished, kept in {out}" in message


def test_an_executor_error_in_python_keeps_the_finished_points(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """simdata.sweep with an executor that breaks after 3 runs raises RunError; the manifest
    says failed with 3 runs done and the error, points.parquet holds those 3."""
    scenario = simdata.load_scenario(write_scenario(SHORT_MMC, "mmc.yaml"))
    design = write_scenario(GRID_16, "grid.yaml")
    out = tmp_path / "out"
    with pytest.raises(RunError, match=r"^the sweep stopped: BrokenProcessPool: .* 3 of 16 runs"):
        sweep(scenario, design, out=out, executor=BrokenAfter(3))
    assert _assert_failed_manifest(out, 16)["runs_done"] == 3
