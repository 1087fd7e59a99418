"""``simdata run … --report``: the run directory gets its report.html in one command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from tests.cli_checks import one_line_error, tree
from tests.conftest import MM8_TEXT

pytestmark = pytest.mark.cli


def test_run_with_report_writes_a_chinese_page(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    path = write_scenario(MM8_TEXT.replace("replications: 20", "replications: 3"))
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["run", str(path), "--out", str(out), "--report", "--lang", "zh", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    page = (out / "report.zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh' in page
    assert "平均排队等待时间" in page  # resolution.wait_mean's label, from the registry
    assert "http://" not in page
    assert "https://" not in page


def test_run_with_an_unknown_report_language_writes_nothing(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    path = write_scenario(MM8_TEXT)
    before = tree(tmp_path)
    result = CliRunner().invoke(
        cli, ["run", str(path), "--out", str(tmp_path / "x"), "--report", "--lang", "fr"]
    )
    assert "--lang" in one_line_error(result)
    assert tree(tmp_path) == before


def test_an_interrupted_run_points_to_resume(tmp_path: Path) -> None:
    """report, export and compare of an unfinished run say how to finish it."""
    import json

    run = tmp_path / "run"
    run.mkdir()
    manifest = {"kind": "run", "status": "interrupted", "root_seed": 1}
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for args in (["report", str(run)], ["export", str(run), "--format", "csv"]):
        message = one_line_error(CliRunner().invoke(cli, args))
        assert f"simdata run --resume {run}" in message, args
    message = one_line_error(CliRunner().invoke(cli, ["compare", str(run), str(run)]))
    assert "--resume" in message
