"""A sweep answers "at which settings do the targets hold?" (issue 14): a grid prints and
reports each point's levers, KPI mean and CI and the target's verdict; Morris μ* and σ are
shown per grid step in the KPI's unit with what they measure; the report's key parameters
give the replications per point the sweep ran. Real small sweeps through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from simdata.cli import cli
from simdata.experiments.sweep.readout import morris_step, per_step, point_summary
from simdata.scenario.models import Target
from tests.conftest import GRID_TEXT, MMC_TEXT

pytestmark = pytest.mark.cli

#: The M/G/3 node of the sweep tests with a wait target it fails at 3 servers and meets at 4.
TARGETED = MMC_TEXT + 'targets:\n  - {kpi: resolution.wait_mean, "<=": 0.5 s}\n'
MORRIS_TEXT = GRID_TEXT.replace("name: mmc-grid\nmethod: grid\nlevels: 2", "name: mmc-morris\n"
                                "method: morris\nlevels: 4\nsamples: 3")  # fmt: skip


def _sweep(tmp_path: Path, design_text: str, name: str) -> tuple[Path, Result]:
    scenario = tmp_path / "mmc.yaml"
    scenario.write_text(TARGETED, encoding="utf-8")
    design = tmp_path / f"{name}.yaml"
    design.write_text(design_text, encoding="utf-8")
    out = tmp_path / name
    result = CliRunner().invoke(
        cli,
        ["sweep", str(scenario), "--design", str(design), "--workers", "1", "--out", str(out)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    return out, result


def _page(out: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["report", str(out), *extra])
    assert result.exit_code == 0, result.stdout + result.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<img[^>]*>", "", page))


def test_a_grid_prints_and_reports_every_point_with_its_verdict(tmp_path: Path) -> None:
    """2 × 2 points: the wait target passes at 4 servers and not at 3, in the terminal
    (80 columns, nothing cut) and at the top of the report, with 2 replications per point."""
    out, result = _sweep(tmp_path, GRID_TEXT, "grid")
    text = result.stdout
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "resolution.wait_mean — target <= 0.5 s at each point" in text
    rows = [line for line in text.splitlines() if re.match(r"^[│ ]*[0-3] +│", line)]
    waits = rows[:4]  # the first table is the targeted KPI's
    assert [row.split("│")[-2 if row.endswith("│") else -1].strip() for row in waits][2:] == [
        "pass",
        "pass",
    ]
    assert all("pass" not in row for row in waits[:2])
    assert "0.8 s" in text  # a lever's value with the design's unit
    page = _page(out)
    assert "Targets across the points" in page
    assert "2 / 4" in page  # two of the four points pass
    assert "resolution.wait_mean at each point" in page
    assert "The scenario sets no targets" not in page
    assert "<td><code>run.replications</code></td><td>2 per point</td>" in page


def test_morris_is_per_grid_step_in_the_kpis_unit(tmp_path: Path) -> None:
    """μ* and σ print with the KPI's unit and the line saying what they measure; the report
    shows the same, times Δ, beside SALib's values kept in indices.parquet."""
    out, result = _sweep(tmp_path, MORRIS_TEXT, "morris")
    text = result.stdout
    assert "μ*" in text
    assert "σ" in text
    assert "mean absolute change of the KPI when the lever moves one grid step, Δ = 2/3" in text
    servers = next(line for line in text.splitlines() if line.lstrip("│ ").startswith("servers"))
    assert re.search(r"\d ms|\d s\b", servers), servers  # resolution.wait_mean is in seconds
    indices = pl.read_parquet(out / "indices.parquet")
    raw = indices.filter(
        (pl.col("kpi") == "resolution.wait_mean")
        & (pl.col("parameter") == "servers")
        & (pl.col("index") == "mu_star")
    )["value"][0]
    scaled = per_step("mu_star", raw, 4)
    assert scaled == pytest.approx(raw * 2 / 3)
    page = _page(out)
    assert "Morris screening (per grid step)" in page
    assert "Δ = 2/3 of its range (4 levels)" in page


@pytest.mark.unit
def test_point_summary_judges_each_point_like_a_run() -> None:
    """A point whose replications sit wholly below the target passes; a wide one is
    undecided; an untargeted KPI has no verdict."""
    points = pl.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 1],
            "replication": [0, 1, 2, 0, 1, 2],
            "servers": [3.0, 3.0, 3.0, 4.0, 4.0, 4.0],
            "resolution.wait_mean": [0.1, 0.9, 2.0, 0.10, 0.11, 0.12],
            "resolution.arrivals_count": [10.0, 11.0, 12.0, 10.0, 11.0, 12.0],
        }
    )
    target = Target.model_validate({"kpi": "resolution.wait_mean", "<=": 0.5})
    table = point_summary(
        points, ["servers"], ["resolution.wait_mean", "resolution.arrivals_count"], [target]
    )
    wait = table.filter(pl.col("kpi") == "resolution.wait_mean")
    assert wait["verdict"].to_list() == ["undecided", "pass"]
    assert wait["servers"].to_list() == [3.0, 4.0]
    assert table.filter(pl.col("kpi") == "resolution.arrivals_count")["verdict"].null_count() == 2
    assert morris_step(4) == pytest.approx(2 / 3)
    assert morris_step(6) == pytest.approx(0.6)
