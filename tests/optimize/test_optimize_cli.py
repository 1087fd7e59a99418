"""``simdata optimize`` in-process: the run directory, the dry run, one-line design errors,
and the same plans on every executor."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments.executors import PoolExecutor
from tests.cli_checks import one_line_error, replace_once, tree
from tests.optimize.queueing import write_queue

pytestmark = pytest.mark.cli

DESIGN = """\
name: fewest-servers
parameters:
  - {path: resolution.servers, name: servers, range: [1, 8], integer: true, cost: 80000,
     monotone: true}
tolerance:
  resolution.wait_mean: 5 ms
  default: 1%
max_replications: 40
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write_queue(
        tmp_path / "mmc.yaml",
        3.2,
        1.0,
        ['{kpi: resolution.wait_mean, "<=": 0.5 s}'],
        horizon_s=600,
        servers=6,
    )


def _design(tmp_path: Path, text: str = DESIGN) -> Path:
    path = tmp_path / "design.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_optimize_writes_the_plan_its_candidates_and_a_loadable_variant(
    tmp_path: Path, scenario: Path
) -> None:
    """A run writes plan.json, candidates.parquet, plan.yaml (extends the base) and the
    manifest, and the variant loads with the chosen levers."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["optimize", str(scenario), "--design", str(_design(tmp_path)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "with probability ≥ 95 %, plan servers = 5 meets every target" in result.stdout
    assert set(tree(out)) >= {
        "candidates.parquet",
        "design.yaml",
        "manifest.json",
        "plan.json",
        "plan.yaml",
        "scenario.yaml",
    }
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["plan"]["levers"] == {"servers": 5.0}
    assert plan["plan"]["cost"] == 400_000
    (target,) = plan["targets"]
    assert target["ci_low"] <= target["estimate"] <= target["ci_high"] <= 0.5
    assert target["epsilon"] == pytest.approx(0.005)
    beaten = {b["levers"]["servers"]: b["why"] for b in plan["beaten"]}
    assert "fails" in beaten[4.0]
    candidates = pl.read_parquet(out / "candidates.parquet")
    assert candidates.height == plan["plans_evaluated"]
    assert candidates["replications"].sum() == plan["replications_spent"]
    assert set(candidates["status"]) <= {"feasible", "infeasible", "tie", "undecided"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["kind"], manifest["status"], manifest["chosen"]) == (
        "optimize",
        "complete",
        {"servers": 5.0},
    )
    variant = (out / "plan.yaml").read_text(encoding="utf-8")
    assert "extends: ../mmc.yaml" in variant
    assert simdata.load_scenario(out / "plan.yaml").resolution.servers == 5  # type: ignore[union-attr]


def test_dry_run_prints_the_space_and_writes_nothing(tmp_path: Path, scenario: Path) -> None:
    """--dry-run states the space, the most plans evaluated and the α split."""
    result = CliRunner().invoke(
        cli, ["optimize", str(scenario), "--design", str(_design(tmp_path)), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "8 plans (8 lever values), at most 4 evaluated" in result.stdout
    assert "α_j = 0.0125" in result.stdout
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("cost: 80000", "cost: -1", ":3: parameters.0.cost: expected"),
        (
            "max_replications: 40",
            "objective: {minimise: resolution.latency_p99}",
            "objective.minimise: expected a mean KPI",
        ),
        ("integer: true", "integer: false", "parameters.0.integer: expected integer: true"),
        ("max_replications: 40", "indifference: 0", "indifference: expected a value > 0"),
        ("default: 1%", "default: lots", ":7: tolerance.default: expected a number"),
        (
            "resolution.wait_mean: 5 ms",
            "resolution.sojourn_mean: 5 ms",
            "expected a constrained KPI",
        ),
        (
            "path: resolution.servers",
            "path: resolution.nope",
            "parameters.0.range: expected values",
        ),
        (
            "max_replications: 40",
            "max_replication: 40",
            ":8: max_replication: expected a known field",
        ),
        ("range: [1, 8]", "range: [1, 0]", "parameters.0.range: expected [low, high]"),
    ],
)
def test_bad_designs_are_one_line_errors(
    tmp_path: Path, scenario: Path, old: str, new: str, expected: str
) -> None:
    """Each design mistake is one line naming the file, line and field; exit 2; no files."""
    design = _design(tmp_path, replace_once(DESIGN, old, new))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["optimize", str(scenario), "--design", str(design), "--out", str(out)]
    )
    message = one_line_error(result)
    assert message.startswith(str(design)), message
    assert expected in message, message
    assert not out.exists()


def test_constraints_listed_in_the_design_replace_the_targets(
    tmp_path: Path, scenario: Path
) -> None:
    """constraints: a list judges those targets instead of the scenario's; a KPI the scenario
    cannot produce is refused at its line."""
    text = DESIGN.replace("tolerance:\n  resolution.wait_mean: 5 ms\n", "tolerance:\n")
    listed = text + 'constraints:\n  - {kpi: resolution.wait_mean, "<=": 0.1 s}\n'
    result = simdata.optimize(scenario, _design(tmp_path, listed))
    assert result.chosen is not None
    assert result.chosen.values == {"servers": 6.0}
    bad = text + 'constraints:\n  - {kpi: requests.time_to_data_mean, "<=": 2 d}\n'
    with pytest.raises(simdata.ScenarioError, match=r":9: constraints\.0\.kpi: expected a KPI"):
        simdata.optimize(scenario, _design(tmp_path, bad))


@pytest.mark.slow
def test_a_process_pool_finds_the_same_plans(tmp_path: Path, scenario: Path) -> None:
    """The pool evaluates the same plans with the same estimates as the serial reference."""
    design = _design(tmp_path)
    serial = simdata.optimize(scenario, design)
    pool = PoolExecutor(2)
    try:
        pooled = simdata.optimize(scenario, design, executor=pool)
    finally:
        pool.close()
    assert [(r.values, r.status, r.replications) for r in pooled.records] == [
        (r.values, r.status, r.replications) for r in serial.records
    ]
    assert [j.estimate for j in pooled.chosen.judgements] == [  # type: ignore[union-attr]
        j.estimate
        for j in serial.chosen.judgements  # type: ignore[union-attr]
    ]
