"""A run directory that cannot be made or filled, and a Ctrl-C before anything started, are
one line with the right exit code (2 bad input, 1 the run failed, 130 interrupted) and a
manifest that tells the truth."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.results import part_paths
from tests.cli_checks import one_line_error
from tests.conftest import MM8_TEXT, REPO
from tests.experiments.helpers import assert_same_run_dirs

pytestmark = pytest.mark.cli

ENV = {**os.environ, "PYTHONPATH": str(REPO)}
SMALL = ["--set", "run.horizon=2000 s", "--set", "run.warmup=200 s", "--workers", "1"]
RUN_ARGS = [*SMALL, "--replications", "3", "--quiet"]


def _run(
    path: Path, out: Path, *, limit_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    """`simdata run` as its own process, optionally with every file capped at ``limit_bytes``
    (RLIMIT_FSIZE: a write past it fails with EFBIG, as on a full disk)."""

    def cap() -> None:
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "simdata", "run", str(path), *RUN_ARGS, "--out", str(out)],
        env=ENV,
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=300,
        check=False,
    )


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a small tmpfs under tmp_path (root only; skips where mounting is not allowed)."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _assert_truthful_failure(done: subprocess.CompletedProcess[str], out: Path) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"simdata run --resume {out}" in lines[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] in ("running", "interrupted")
    assert manifest["replications_done"] == len(part_paths(out)) < 3
    assert not (out / "kpis.parquet").exists()


@pytest.mark.slow
def test_a_file_size_limit_stops_the_run_truthfully_and_resume_finishes_it(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """Parts refused by the disk: one line, exit 1, the manifest counts only parts on disk;
    with room again, --resume gives the tables of an uninterrupted run."""
    path = write_scenario(MM8_TEXT)
    out = tmp_path / "capped"
    _assert_truthful_failure(_run(path, out, limit_bytes=8_000), out)
    result = CliRunner().invoke(cli, ["run", "--resume", str(out)])
    assert result.exit_code == 0, result.output
    reference = tmp_path / "reference"
    assert _run(path, reference).returncode == 0
    assert_same_run_dirs(out, reference)


@pytest.mark.slow
def test_a_full_disk_stops_the_run_truthfully(
    write_scenario: Callable[[str], Path], tmpfs: Callable[[str], Path]
) -> None:
    """On a real full file system (a 48 KiB tmpfs): one line, exit 1, no traceback."""
    path = write_scenario(MM8_TEXT)
    out = tmpfs("size=48k") / "run"
    _assert_truthful_failure(_run(path, out), out)


def test_a_read_only_file_system_is_bad_input(
    write_scenario: Callable[[str], Path], tmpfs: Callable[[str], Path]
) -> None:
    """--out on a read-only mount: one line, exit 2."""
    path = write_scenario(MM8_TEXT)
    out = tmpfs("ro,size=16k") / "run"
    message = one_line_error(CliRunner().invoke(cli, ["run", str(path), "--out", str(out)]))
    assert "Read-only file system" in message


@pytest.mark.parametrize("kind", ["dangling symlink", "under a file"])
def test_out_that_cannot_be_a_directory_is_bad_input(
    write_scenario: Callable[[str], Path], tmp_path: Path, kind: str
) -> None:
    """A dangling symlink or a path under a file as --out: one line, exit 2, nothing made."""
    path = write_scenario(MM8_TEXT)
    if kind == "dangling symlink":
        out = tmp_path / "link"
        out.symlink_to(tmp_path / "nowhere")
    else:
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "run"
    before = sorted(p.name for p in tmp_path.iterdir())
    message = one_line_error(CliRunner().invoke(cli, ["run", str(path), "--out", str(out)]))
    assert {"dangling symlink": "dangling symbolic link", "under a file": "under the file"}[
        kind
    ] in message
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("delay_s", [0.05, 0.2, 0.5])
def test_ctrl_c_while_starting_is_one_line_and_130(
    write_scenario: Callable[[str], Path], tmp_path: Path, delay_s: float
) -> None:
    """SIGINT during the first second (interpreter start, imports) exits 130 without a
    traceback (killed by SIGINT before Python's handler exists counts as 130 for a shell)."""
    path = write_scenario(MM8_TEXT)
    process = subprocess.Popen(
        [sys.executable, "-m", "simdata", "run", str(path), "--out", str(tmp_path / "r")],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay_s)  # not a timing assertion: where the signal lands varies, all must pass
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode in (130, -signal.SIGINT), stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) <= 1, stderr
