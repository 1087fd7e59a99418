"""Nothing lost: Ctrl-C keeps finished replications, --resume completes them identically."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments.replication import Replication
from simdata.experiments.run import resume
from simdata.results import part_paths
from tests.conftest import MM8_TEXT, REPO
from tests.experiments.helpers import SHORT, assert_same_results, assert_same_run_dirs

#: MM8_TEXT's 20000 s horizon: about 0.4 s per replication, long enough to interrupt.
INTERRUPTIBLE = ["--replications", "6", "--quiet"]


def _wait_for_part(run_dir: Path, process: subprocess.Popen[bytes]) -> None:
    """Poll the file system until a first part exists (or the process ended)."""
    deadline = time.monotonic() + 120
    while not part_paths(run_dir) and process.poll() is None:
        assert time.monotonic() < deadline, "no part written within 120 s"
        time.sleep(0.01)


@pytest.mark.cli
@pytest.mark.slow
def test_sigint_then_resume_equals_an_uninterrupted_run(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A real SIGINT exits 130 with status interrupted; --resume ends with identical tables."""
    path = write_scenario(MM8_TEXT)
    interrupted = tmp_path / "interrupted"
    command = [sys.executable, "-m", "simdata", "run", str(path), *INTERRUPTIBLE]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--out", str(interrupted)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        _wait_for_part(interrupted, process)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr.decode()
    assert "simdata run --resume" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    manifest = json.loads((interrupted / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    kept = part_paths(interrupted)
    assert 1 <= len(kept) < 6
    assert manifest["replications_done"] == len(kept)
    assert not (interrupted / "kpis.parquet").exists()

    result = CliRunner().invoke(
        cli, ["run", "--resume", str(interrupted), str(path), "--replications", "6"]
    )
    assert result.exit_code == 0, result.output
    reference = tmp_path / "reference"
    result = CliRunner().invoke(
        cli, ["run", str(path), *INTERRUPTIBLE, "--workers", "1", "--out", str(reference)]
    )
    assert result.exit_code == 0, result.output
    assert_same_run_dirs(interrupted, reference)
    summary = (interrupted / "summary.md").read_text()
    assert summary == (reference / "summary.md").read_text()
    manifest = json.loads((interrupted / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["replications"] == 6
    assert len(manifest["resumed"]) == 1
    assert not (interrupted / "parts").exists()


class _Stop:
    """A progress callback that presses Ctrl-C after ``after`` replications."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.seen = 0

    def __call__(self, _: Replication) -> None:
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt


@pytest.mark.unit
def test_resume_in_python_runs_only_the_missing_replications(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """Interrupted after 3 of 6, resume runs 3 more and equals the uninterrupted run."""
    scenario = simdata.load_scenario(write_scenario(MM8_TEXT), [*SHORT, "run.replications=6"])
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        simdata.run(scenario, out=out, progress=_Stop(3))
    assert sorted(part_paths(out)) == [0, 1, 2]
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    ran: list[int] = []
    result = resume(out, progress=lambda rep: ran.append(rep.index))
    assert ran == [3, 4, 5]
    assert_same_results(result, simdata.run(scenario))


@pytest.mark.cli
def test_resume_refuses_another_scenario_and_finished_runs(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """--resume with a SCENARIO of another sha256, or of a complete run: one line, exit 2."""
    path = write_scenario(MM8_TEXT)
    scenario = simdata.load_scenario(path, [*SHORT, "run.replications=4"])
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        simdata.run(scenario, out=out, progress=_Stop(1))
    before = sorted(p.name for p in out.rglob("*"))
    sets = [item for s in SHORT for item in ("--set", s)]
    cases = [
        (["run", "--resume", str(out), str(path), *sets, "--replications", "5"], "sha256"),
        (["run", "--resume", str(out), "--replications", "4"], "expected SCENARIO too"),
        (["run", "--resume", str(out), "--out", str(tmp_path / "x")], "--resume"),
        (["run", "--resume", str(tmp_path / "nowhere")], "no such directory"),
        (["run"], "expected SCENARIO (or --resume RUN_DIR)"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in out.rglob("*")) == before
    result = CliRunner().invoke(cli, ["run", "--resume", str(out), str(path), *sets,
                                      "--replications", "4"])  # fmt: skip
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["run", "--resume", str(out)])
    assert again.exit_code == 2
    assert "status 'complete' (nothing to resume)" in again.stderr
