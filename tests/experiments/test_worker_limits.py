"""A worker count the machine cannot hold is refused before any process starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.errors import UsageError
from simdata.experiments import executors
from simdata.experiments.executors import AutoExecutor, PoolExecutor, auto, limits, make_executor
from tests.cli_checks import one_line_error
from tests.conftest import MM8_TEXT

pytestmark = pytest.mark.unit

GB = 10**9


def test_more_workers_than_the_cores_can_use_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Beyond 4 workers per core: one line naming the option, the cap and a count to use."""
    monkeypatch.setattr(limits, "cpu_count", lambda: 2)
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 64 * GB)
    with pytest.raises(UsageError) as refused:
        make_executor(9)
    assert str(refused.value) == (
        "--workers 9: expected at most 8 (4 per core × 2 cores); more processes only add "
        "memory and switching: use --workers 2"
    )
    assert isinstance(make_executor(8), PoolExecutor)  # 8 fit: nothing started yet


def test_workers_that_do_not_fit_in_memory_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers × the per-worker estimate above available memory: one line with the estimate,
    what is available and the largest count that fits."""
    monkeypatch.setattr(limits, "cpu_count", lambda: 64)
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 1 * GB)
    with pytest.raises(UsageError) as refused:
        PoolExecutor(4)
    assert str(refused.value) == (
        "--workers 4: 4 workers × ~300 MB each ≈ 1.2 GB exceeds the 1.0 GB of memory "
        "available: use --workers 3 or fewer"
    )
    assert executors.workers_that_fit() == 3
    PoolExecutor(3).close()


def test_the_default_takes_the_workers_that_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where memory holds one worker, the CLI default stays in this process rather than
    refusing (a lambda could not be pickled to a pool)."""
    monkeypatch.setattr(auto, "POOL_WORTH_S", 0.0)
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: executors.WORKER_BYTES + 1)
    executor = AutoExecutor(workers=8)
    results = dict(executor.map(lambda x: x * 2, [1, 2, 3, 4], ["a", "b", "c", "d"]))
    executor.close()
    assert results == {0: 2, 1: 4, 2: 6, 3: 8}
    assert executor._pool is None


def test_available_memory_is_read_on_this_machine() -> None:
    """/proc/meminfo (or sysconf) gives a positive byte count here."""
    available = executors.available_memory_bytes()
    assert available is not None
    assert available > 0


@pytest.mark.cli
def test_workers_1000_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    """``simdata run --workers 1000`` exits 2 with one line before anything is written
    (it used to start a thousand processes and exhaust memory)."""
    scenario = tmp_path / "mm8.yaml"
    scenario.write_text(MM8_TEXT, encoding="utf-8")
    out = tmp_path / "never"
    result = CliRunner().invoke(cli, ["run", str(scenario), "--workers", "1000", "--out", str(out)])
    assert one_line_error(result).startswith("--workers 1000: expected at most ")
    assert not out.exists()
