"""One summary model: summary.md, the terminal table and the HTML report show its rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.analysis.summary import summary_rows
from simdata.cli import cli
from simdata.experiments.run.summary_md import summary_markdown
from simdata.report.html import _summary_content
from tests.conftest import MM8_TEXT
from tests.experiments.helpers import SHORT

pytestmark = pytest.mark.unit


def test_the_three_renderers_show_the_same_rows(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """summary.md, the terminal and the report list the summary model's KPIs, in its order,
    with its verdicts; summary.md on disk is the model rendered."""
    path = write_scenario(MM8_TEXT)
    out = tmp_path / "run"
    done = CliRunner().invoke(
        cli, ["run", str(path), *[a for s in SHORT for a in ("--set", s)], "--replications",
              "3", "--out", str(out)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    scenario = simdata.load_scenario(path, [*SHORT, "run.replications=3"])
    overview = simdata.run(scenario).overview()
    kpis = [row.kpi for row in overview.rows]
    assert [row.kpi for row in summary_rows(pl.read_parquet(out / "summary.parquet"))] == kpis
    assert (out / "summary.md").read_text() == summary_markdown(overview)
    table = [line for line in (out / "summary.md").read_text().splitlines() if line[:3] == "| `"]
    assert [line.split("`")[1] for line in table] == kpis
    assert [kpi for kpi in kpis if kpi in done.output] == kpis  # the terminal table
    html = _summary_content(pl.read_parquet(out / "summary.parquet"), "en")
    assert [cell["kpi"] for cell in html["kpi_rows"]] == kpis
    assert [cell["verdict"] for cell in html["verdicts"]] == overview.verdicts()
