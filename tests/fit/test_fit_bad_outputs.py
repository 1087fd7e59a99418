"""``simdata fit`` on a user's mistake or a log too short to fit: one line or an honest note,
never a traceback (regressions reported in session 5).

- ``--out`` or ``--report`` in a folder that does not exist (or is a file): one line naming
  the option, the path and what was expected, exit 2, nothing written — said before the
  fit, not as a FileNotFoundError after it.
- A five-month Zhanjiang-like enterprises log (the first five months of
  ``examples/data/enterprises.csv``): every enterprise in it still registering at the
  log's end, so the ramp time is right-censored only and its likelihood has no maximum
  (the exponential's mean ran to an OverflowError). The fit skips it with a note, as it
  skips what a tiny log cannot give, and fits the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"


def invoke(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def small_requests(tmp_path: Path) -> Path:
    """Two weeks of the example requests log: enough to fit, quick to fit."""
    frame = pl.read_csv(EXAMPLES / "requests.csv", infer_schema=False)
    log = tmp_path / "requests.csv"
    frame.filter(pl.col("arrival") < "2026-01-18").write_csv(log)
    return log


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--out", "missing_dir/fitted.yaml"),
            "--out: missing_dir/fitted.yaml: expected a file in an existing folder, "
            "got missing_dir (no such folder)",
        ),
        (
            ("--out", "requests.csv/fitted.yaml"),
            "--out: requests.csv/fitted.yaml: expected a file in an existing folder, "
            "got requests.csv (a file, not a folder)",
        ),
        (
            ("--out", "fitted.yaml", "--report", "missing_dir/fit.html"),
            "--report: missing_dir/fit.html: expected a file in an existing folder, "
            "got missing_dir (no such folder)",
        ),
        (
            ("--out", "missing_dir/fitted.yaml", "--report"),
            "--out: missing_dir/fitted.yaml: expected a file in an existing folder, "
            "got missing_dir (no such folder)",
        ),
    ],
)
def test_an_output_in_a_missing_folder_is_one_line_and_nothing_is_written(
    small_requests: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(small_requests.parent)
    before = sorted(small_requests.parent.iterdir())
    code, stdout, stderr = invoke("fit", "requests.csv", "--as", "requests", *args)
    assert code == 2
    assert stderr == message + "\n"
    assert stdout == ""  # refused before the fit: no rankings printed
    assert sorted(small_requests.parent.iterdir()) == before


def test_the_small_log_fits_where_the_folder_exists(small_requests: Path) -> None:
    """The counterpart: the same log and options into a folder that exists work."""
    out = small_requests.parent / "out" / "fitted.yaml"
    out.parent.mkdir()
    code, _, stderr = invoke("fit", small_requests, "--as", "requests", "--out", out)
    assert code == 0, stderr
    assert "reject_probability:" in out.read_text(encoding="utf-8")


def test_a_five_month_enterprises_log_skips_the_ramp_time_with_a_note(tmp_path: Path) -> None:
    frame = pl.read_csv(EXAMPLES / "enterprises.csv", infer_schema=False)
    log = tmp_path / "enterprises.csv"
    frame.filter((pl.col("month") <= "2024-05") & (pl.col("joined") <= "2024-05-31")).write_csv(log)
    out = tmp_path / "fitted.yaml"
    code, _, stderr = invoke("fit", log, "--as", "enterprises", "--out", out)
    assert code == 0, stderr
    text = out.read_text(encoding="utf-8")
    assert (
        "# note: ramp_time not fitted: expected enterprises whose ramp ended within the log, "
        "got 12 all still registering at its end (right-censored)"
    ) in text
    assert "ramp_time:" not in text.replace("# note: ramp_time", "")
    # The rest is fitted: adoption and the usage intensity (12 enterprises with exposure).
    assert "adoption: {model:" in text
    assert "usage_intensity: {dist:" in text
