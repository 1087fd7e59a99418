"""``simdata sweep`` in-process: run directory, common random numbers, bad designs, dry run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments.executors import PoolExecutor
from simdata.experiments.sweep import plan_sweep, sweep
from tests.cli_checks import one_line_error, replace_once, tree
from tests.conftest import GRID_TEXT, MMC_TEXT, SCENARIOS

pytestmark = pytest.mark.cli


LHS_TEXT = """\
name: mmc-lhs
method: lhs
samples: 12
replications: 2
kpis: [resolution.wait_mean]
parameters:
  - {path: resolution.servers, levels: [3, 4, 5]}
  - {path: resolution.traffic.rate, range: [1.5, 2.5], unit: /s}
"""


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_grid_sweep_writes_points_and_shares_random_numbers(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """A grid sweep writes points.parquet; servers do not change the arrivals (same seed)."""
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    design = write_scenario(GRID_TEXT, "grid.yaml")
    out = tmp_path / "sweep"
    code, stdout, stderr = invoke(
        "sweep", scenario, "--design", design, "--workers", "1", "--out", out
    )
    assert code == 0, stderr
    assert "4 points × 2 replications" in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "design.yaml",
        "indices.parquet",
        "manifest.json",
        "points.parquet",
        "scenario.yaml",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["kind"], manifest["status"], manifest["root_seed"]) == (
        "sweep",
        "complete",
        11,
    )
    assert (manifest["points"], manifest["runs"]) == (4, 8)
    points = pl.read_parquet(out / "points.parquet")
    assert points.columns == [
        "point", "replication", "servers", "service_time",
        "resolution.wait_mean", "resolution.arrivals_count",
    ]  # fmt: skip
    assert points.height == 8
    assert sorted(set(points["servers"].to_list())) == [3.0, 4.0]
    # Common random numbers: every point sees the same arrivals in the same replication.
    arrivals = points.group_by("replication").agg(pl.col("resolution.arrivals_count").n_unique())
    assert arrivals["resolution.arrivals_count"].to_list() == [1, 1]
    # ...and more servers never make the wait longer (same arrivals, same service draws).
    wide = points.filter(pl.col("service_time") == 1.0).sort("replication", "servers")
    waits = wide["resolution.wait_mean"].to_list()
    assert waits[1] <= waits[0]
    assert waits[3] <= waits[2]
    assert pl.read_parquet(out / "indices.parquet").is_empty()  # a grid has no indices


def test_lhs_sweep_indices_have_the_documented_columns(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """LHS → RBD-FAST S1 per parameter with CI, ≈ 0 flag and the KPI's noise share."""
    scenario = simdata.load_scenario(write_scenario(MMC_TEXT, "mmc.yaml"))
    result = sweep(scenario, write_scenario(LHS_TEXT, "lhs.yaml"), out=tmp_path / "lhs")
    indices = pl.read_parquet(tmp_path / "lhs" / "indices.parquet")
    assert indices.columns == [
        "kpi", "parameter", "index", "value", "conf", "ci_low", "ci_high", "near_zero",
        "noise_share",
    ]  # fmt: skip
    assert indices["index"].to_list() == ["S1", "S1"]
    assert indices["parameter"].to_list() == ["resolution.servers", "resolution.traffic.rate"]
    assert 0.0 <= result.noise["resolution.wait_mean"] <= 1.0


@pytest.mark.slow
def test_results_do_not_depend_on_the_executor(
    write_scenario: Callable[[str, str], Path],
) -> None:
    """A process pool of 2 gives exactly the serial sweep's points."""
    scenario = simdata.load_scenario(write_scenario(MMC_TEXT, "mmc.yaml"))
    design = write_scenario(GRID_TEXT, "grid.yaml")
    serial = sweep(scenario, design)
    pool = PoolExecutor(2)
    try:
        parallel = sweep(scenario, design, executor=pool)
    finally:
        pool.close()
    assert parallel.points.equals(serial.points)


def test_dry_run_prints_runs_and_estimate_and_writes_nothing(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """--dry-run: number of runs and a wall-time estimate from a pilot; nothing on disk."""
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    design = write_scenario(GRID_TEXT, "grid.yaml")
    before = tree(tmp_path)
    code, stdout, stderr = invoke("sweep", scenario, "--design", design, "--dry-run")
    assert code == 0, stderr
    assert "4 points × 2 replications = 8 runs" in stdout
    assert "pilot replication" in stdout
    assert "about" in stdout
    assert tree(tmp_path) == before


BAD_DESIGNS = [
    (
        "resolution.servers, name: servers",
        "resolution.serverz, name: servers",
        "grid.yaml:7: parameters.0.path: expected a field of scenario 'mmc'",
    ),
    (
        "resolution.servers, name: servers",
        "enterprises.weekend_factor, name: servers",
        "got 'enterprises.weekend_factor': enterprises is switched off in the scenario",
    ),
    ("levels: [3, 4]", "levels: [0, 4]", "grid.yaml:7: parameters.0.levels: expected values"),
    ("range: [0.8, 1.0]", "range: [1.0, 0.8]", "grid.yaml:8: parameters.1.range: expected [low"),
    ("range: [0.8, 1.0], unit: s", "range: [0.8, 1.0]", "parameters.1.range: expected values"),
    (
        "method: grid",
        "method: sobol\nsamples: 1000",
        "grid.yaml:3: samples: expected a power of two for sobol (nearest: 512 or 1024), got 1000",
    ),
    ("method: grid", "method: anova", "grid.yaml:2: method: expected 'grid', 'lhs'"),
    ("resolution.wait_mean,", "resolution.wiat_mean,", "grid.yaml:5: kpis.0: expected a KPI name"),
    ("levels: 2", "levels: 2\nsteps: 3", "grid.yaml:4: steps: expected a known field"),
    (
        "range: [0.8, 1.0]",
        "distribution: {dist: normal, mean: 1, sd: 0.1}",
        "parameters.1.distribution: expected a range or levels for grid",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD_DESIGNS)
def test_bad_designs_are_one_line_exit_2_nothing_written(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """A bad design: one line naming the design file, line and field; exit 2; no files."""
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    design = write_scenario(replace_once(GRID_TEXT, old, new), "grid.yaml")
    before = tree(tmp_path)
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--out", str(tmp_path / "out")]
    )
    message = one_line_error(result)
    assert expected in message, message
    assert tree(tmp_path) == before


def test_missing_design_file_is_one_line(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """A design path that does not exist: one line, exit 2."""
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    result = CliRunner().invoke(cli, ["sweep", str(scenario), "--design", str(tmp_path / "x.yaml")])
    assert "x.yaml: expected an existing design file, got no such file" in one_line_error(result)


@pytest.mark.parametrize(
    ("scenario", "design", "method", "points"),
    [
        ("zhanjiang-baseline.yaml", "zhanjiang-morris.yaml", "morris", 130),
        ("fujian-public-data.yaml", "fujian-sobol.yaml", "sobol", None),
    ],
)
def test_shipped_designs_validate_against_their_scenarios(
    scenario: str, design: str, method: str, points: int | None
) -> None:
    """The shipped designs load, name existing fields with accepted values, and size up."""
    plan = plan_sweep(simdata.load_scenario(SCENARIOS / scenario), SCENARIOS / "designs" / design)
    spec = plan.bound.design
    assert spec.method == method
    assert spec.replications >= 2
    if method == "morris":
        assert len(spec.parameters) >= 10
        assert (spec.samples, spec.levels) == (10, 4)
        assert plan.points == points
    assert plan.scenarios is not None
    assert len(plan.scenarios) == plan.points
