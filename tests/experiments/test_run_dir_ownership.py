"""A run directory has one owner, a truthful manifest from the first moment, and resume merges
only parts that are provably its own."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments.replication import Replication
from simdata.results import claim_run_dir, part_path, part_paths
from tests.cli_checks import one_line_error, tree
from tests.conftest import MM8_TEXT, REPO
from tests.experiments.helpers import SHORT, assert_same_run_dirs

pytestmark = pytest.mark.cli

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _simdata(*args: str) -> list[str]:
    return [sys.executable, "-m", "simdata", *args]


def _interrupted_run(path: Path, out: Path, after: int, overrides: tuple[str, ...] = ()) -> None:
    """A run directory of 4 replications stopped by Ctrl-C after ``after`` of them."""
    scenario = simdata.load_scenario(path, [*SHORT, "run.replications=4", *overrides])
    seen = []

    def progress(replication: Replication) -> None:
        seen.append(replication.index)
        if len(seen) == after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simdata.run(scenario, out=out, progress=progress)


def _resume(run_dir: Path) -> str:
    """``simdata run --resume RUN_DIR`` refused: its one error line."""
    before = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    message = one_line_error(CliRunner().invoke(cli, ["run", "--resume", str(run_dir)]))
    after = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    assert after == before, "a refused resume changed the directory"
    return message


@pytest.mark.slow
def test_two_processes_on_one_out_one_wins_the_other_writes_nothing(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """Two `simdata run` on the same --out at once: one exits 0, the other 2 with one line,
    and the directory holds one run's tables and scenario, never a mix."""
    slow = write_scenario(MM8_TEXT.replace("seed: 7", "seed: 1"), "one.yaml")
    other = write_scenario(MM8_TEXT.replace("seed: 7", "seed: 2"), "two.yaml")
    out = tmp_path / "shared"
    args = ("--replications", "3", "--workers", "1", "--quiet", "--out", str(out))
    runs = [
        subprocess.Popen(
            _simdata("run", str(path), *args),
            cwd=tmp_path,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for path in (slow, other)
    ]
    outcomes = [(run.wait(timeout=300), run.communicate()[1].decode()) for run in runs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2], outcomes
    loser = next(err for code, err in outcomes if code == 2).strip()
    assert "\n" not in loser, loser
    assert "Traceback" not in loser
    assert str(out) in loser
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    winner = simdata.load_scenario(out / "scenario.yaml")
    assert manifest["root_seed"] == winner.run.seed
    kpis = pl.read_parquet(out / "kpis.parquet")
    assert kpis["replication"].n_unique() == 3
    assert not (out / ".lock").exists()


def test_a_locked_out_is_refused_and_left_alone(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """While another run owns DIR, `run --out DIR` and `run --resume DIR` exit 2 and write
    nothing; once it lets go, the (still empty) directory is usable."""
    path = write_scenario(MM8_TEXT)
    sets = [arg for value in SHORT for arg in ("--set", value)]
    out = tmp_path / "owned"
    lock = claim_run_dir(out)
    try:
        before = tree(out)
        message = one_line_error(
            CliRunner().invoke(cli, ["run", str(path), *sets, "--out", str(out)])
        )
        assert "another run owns" in message
        assert tree(out) == before
        one_line_error(CliRunner().invoke(cli, ["run", "--resume", str(out)]))
        assert tree(out) == before
    finally:
        lock.release()
    result = CliRunner().invoke(
        cli, ["run", str(path), *sets, "--replications", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_killed_before_the_first_replication_resumes(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """SIGKILL before any replication finished leaves a running manifest that --resume
    completes into the tables of an uninterrupted run."""
    path = write_scenario(MM8_TEXT)
    out = tmp_path / "killed"
    args = ("--replications", "2", "--workers", "1", "--quiet")
    process = subprocess.Popen(
        _simdata("run", str(path), *args, "--out", str(out)),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "manifest.json").exists():
            assert process.poll() is None, "the run ended before its manifest was seen"
            assert time.monotonic() < deadline, "no manifest within 120 s"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"
    assert manifest["replications_done"] == len(part_paths(out)) < 2
    result = CliRunner().invoke(cli, ["run", "--resume", str(out)])
    assert result.exit_code == 0, result.output
    reference = tmp_path / "reference"
    result = CliRunner().invoke(cli, ["run", str(path), *args, "--out", str(reference)])
    assert result.exit_code == 0, result.output
    assert_same_run_dirs(out, reference)


def test_resume_refuses_a_part_under_another_index(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A part renamed to another replication's file is refused, not merged."""
    out = tmp_path / "swapped"
    _interrupted_run(write_scenario(MM8_TEXT), out, after=2)
    part_path(out, 1).rename(part_path(out, 3))
    assert "replication 1 under another name" in _resume(out)


def test_resume_refuses_a_part_of_another_run(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A part copied from a run with another seed, or of another scenario, is refused."""
    path = write_scenario(MM8_TEXT)
    out, seeded, changed = tmp_path / "mine", tmp_path / "seeded", tmp_path / "changed"
    _interrupted_run(path, out, after=1)
    _interrupted_run(path, seeded, 2, ("run.seed=99",))
    _interrupted_run(path, changed, 2, ("resolution.servers=9",))
    for foreign in (seeded, changed):
        part_path(out, 1).write_bytes(part_path(foreign, 1).read_bytes())
        assert "a part of another run" in _resume(out)


def test_resume_refuses_a_damaged_part(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A truncated part, or one whose tables were altered, is one line and exit 2."""
    out = tmp_path / "damaged"
    _interrupted_run(write_scenario(MM8_TEXT), out, after=2)
    good = part_path(out, 1).read_bytes()
    part_path(out, 1).write_bytes(good[: len(good) // 2])
    assert "unreadable file" in _resume(out)
    part = pl.read_parquet(part_path(out, 0))
    kpis = part.filter(pl.col("table") == "_kpis")["data"][0]
    altered = pl.read_ipc(kpis).with_columns(pl.col("value") * 1.01)
    buffer = io.BytesIO()
    altered.write_ipc(buffer)
    part = part.with_columns(
        pl.when(pl.col("table") == "_kpis")
        .then(pl.lit(buffer.getvalue()))
        .otherwise(pl.col("data"))
        .alias("data")
    )
    part_path(out, 1).write_bytes(good)
    part.write_parquet(part_path(out, 0))
    assert "damaged" in _resume(out)


def test_resume_refuses_an_edited_plan(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A manifest whose replication count or stopping rule was edited is refused."""
    out = tmp_path / "edited"
    _interrupted_run(write_scenario(MM8_TEXT), out, after=1)
    manifest_path = out / "manifest.json"
    original = json.loads(manifest_path.read_text())
    for edit in (
        {"replications": 40},
        {"until_decided": {"max_replications": 9, "precision": 0.5, "alpha": 0.05, "first": 10}},
    ):
        manifest_path.write_text(json.dumps({**original, **edit}))
        assert "run_identity does not match" in _resume(out)


def test_capacity_sweep_and_compare_refuse_a_locked_out(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """capacity, sweep and compare into a directory another run owns: exit 2, nothing written."""
    path = write_scenario(MM8_TEXT)
    sets = [arg for value in SHORT for arg in ("--set", value)]
    base, variant = tmp_path / "base", tmp_path / "variant"
    for out, extra in ((base, []), (variant, ["--set", "resolution.servers=9"])):
        done = CliRunner().invoke(
            cli, ["run", str(path), *sets, *extra, "--replications", "2", "--out", str(out)]
        )
        assert done.exit_code == 0, done.output
    design = REPO / "tests" / "golden" / "mm8-grid.yaml"
    owned = tmp_path / "owned"
    commands = [
        ["capacity", str(path), *sets, "--sla", "p99<=20s", "--replications", "2"],
        ["sweep", str(path), *sets, "--design", str(design), "--workers", "1"],
        ["compare", str(base), str(variant)],
    ]
    with claim_run_dir(owned):
        before = tree(owned)
        for command in commands:
            message = one_line_error(CliRunner().invoke(cli, [*command, "--out", str(owned)]))
            assert "another run owns" in message, command
            assert tree(owned) == before


def test_ctrl_c_inside_a_pydantic_serializer_is_still_ctrl_c(
    write_scenario: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that lands while pydantic serialises the scenario (pydantic-core re-raises it
    as PydanticSerializationError) ends the run as an interruption, not a failure."""
    from pydantic import BaseModel, field_serializer

    from simdata.experiments.run import loop

    class Interrupting(BaseModel):
        value: int = 0

        @field_serializer("value")
        def _interrupt(self, value: int) -> int:
            raise KeyboardInterrupt

    monkeypatch.setattr(loop, "scenario_to_yaml", lambda _: str(Interrupting().model_dump()))
    scenario = simdata.load_scenario(write_scenario(MM8_TEXT), SHORT)
    with pytest.raises(KeyboardInterrupt):
        simdata.run(scenario, out=tmp_path / "out")
    assert not (tmp_path / "out" / ".lock").exists()
