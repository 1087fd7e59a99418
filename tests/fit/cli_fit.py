"""The fit tests' command line: ``simdata fit`` in-process, and the bad-file check."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from simdata.cli import cli


def invoke(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
    """``simdata ARGS`` in-process: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def assert_bad_file_refused(tmp_path: Path, kind: str, text: str, message: str) -> None:
    """``simdata fit`` refuses the log ``text``: exit 2, one line starting with the file and
    holding ``message`` (its row and column), and no fitted file written."""
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "fitted.yaml"
    code, stdout, stderr = invoke("fit", path, "--as", kind, "--out", out)
    assert code == 2, (stdout, stderr)
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith(str(path)), stderr
    assert message in stderr, stderr
    assert not out.exists()
