"""--until-decided: the stopping rule's pure functions, and each way a run stops."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments.replication import Replication
from simdata.experiments.run import resume
from simdata.experiments.until_decided import (
    StoppingRule,
    imprecise_kpis,
    look,
    undecided_targets,
)
from simdata.scenario.models import Target
from tests.conftest import MM8_TEXT
from tests.experiments.helpers import SHORT, assert_same_results

#: A target exactly at its true value: arrivals in the measured 1800 s are Poisson(7.2 × 1800).
AT_TRUTH = MM8_TEXT.replace(
    '{kpi: resolution.wait_mean, "<=": 1.2 s}', '{kpi: resolution.arrivals_count, "<=": 12960}'
)
NO_TARGETS = MM8_TEXT.split("targets:")[0]
SHORT_SETS = [item for s in SHORT for item in ("--set", s)]


def _kpis(values: dict[str, list[float]]) -> pl.DataFrame:
    rows = [(i, name, v) for name, vs in values.items() for i, v in enumerate(vs)]
    return pl.DataFrame(
        rows, schema={"replication": pl.Int64, "kpi": pl.String, "value": pl.Float64}, orient="row"
    )


def _target(text: str) -> Target:
    return Target.model_validate({"kpi": "resolution.wait_mean", "<=": text})


@pytest.mark.unit
def test_looks_double_from_10_to_the_cap_and_split_alpha() -> None:
    """Looks at 10, 20, 40, 80, 160, 200; look k at level 1 − 0.05·n_k²/Σn² (Bonferroni)."""
    rule = StoppingRule()
    assert rule.looks() == [10, 20, 40, 80, 160, 200]
    assert rule.confidence_at(10) == pytest.approx(1 - 0.05 * 100 / 74_100)
    assert rule.confidence_at(200) == pytest.approx(1 - 0.05 * 40_000 / 74_100)
    assert StoppingRule(max_replications=40).looks() == [10, 20, 40]
    assert StoppingRule(max_replications=10).looks() == [10]
    assert StoppingRule(max_replications=5).looks() == [5]
    with pytest.raises(simdata.SimdataError, match="--precision"):
        StoppingRule(precision=1.5)
    with pytest.raises(simdata.SimdataError, match="--max-replications"):
        StoppingRule(max_replications=1)
    with pytest.raises(simdata.SimdataError, match="from 2 to 100,000"):
        StoppingRule(max_replications=10**9)


@pytest.mark.unit
def test_targets_are_open_until_the_whole_adjusted_ci_is_on_one_side() -> None:
    """A CI well below the target decides it; one straddling it or with n < 2 does not."""
    target = _target("1.2 s")
    clear = _kpis({"resolution.wait_mean": [0.50, 0.52, 0.49, 0.51, 0.50]})
    straddling = _kpis({"resolution.wait_mean": [1.0, 1.4, 1.1, 1.3, 1.2]})
    assert undecided_targets(clear, [target], 0.99)[0] == []
    assert undecided_targets(straddling, [target], 0.99)[0] == ["resolution.wait_mean <= 1.2 s"]
    assert undecided_targets(clear.head(1), [target], 0.99)[0] == ["resolution.wait_mean <= 1.2 s"]
    # Level matters: 1.2 is outside the 80% CI of these values but inside the 99.9% one.
    edge = _kpis({"resolution.wait_mean": [1.0, 1.1, 1.05, 1.15, 1.12]})
    assert undecided_targets(edge, [target], 0.80)[0] == []
    assert undecided_targets(edge, [target], 0.999)[0] != []


@pytest.mark.unit
def test_precision_is_relative_with_a_floor_near_zero() -> None:
    """Relative half-width ≤ precision; a KPI near 0 is precise under its unit's floor."""
    kpis = _kpis(
        {
            "resolution.wait_mean": [1.00, 1.01, 0.99, 1.00],  # 1% wide: precise at 5%
            "resolution.utilisation": [0.5, 0.9, 0.1, 0.6],  # wide: not precise
            "resolution.rejected_share": [0.0, 0.0001, 0.0, 0.0],  # near 0, under 0.001
            "resolution.sojourn_p99": [math.nan] * 4,  # undefined: skipped
        }
    )
    assert imprecise_kpis(kpis, 0.05, 0.95) == ["resolution.utilisation"]
    assert imprecise_kpis(kpis.filter(pl.col("replication") == 0), 0.05, 0.95) == [
        "resolution.wait_mean",
        "resolution.utilisation",
        "resolution.rejected_share",
    ]


@pytest.mark.unit
def test_look_reasons() -> None:
    """decided / precise when nothing is open; cap at the last look; continue before."""
    rule = StoppingRule(max_replications=20)
    targets = [_target("1.2 s")]
    clear = _kpis({"resolution.wait_mean": [0.50, 0.52, 0.49, 0.51, 0.50]})
    wide = _kpis({"resolution.wait_mean": [0.2, 2.0, 0.4, 1.8, 1.0]})
    assert look(clear, 10, targets, rule).reason == "decided"
    assert look(clear, 10, (), rule).reason == "precise"
    assert look(wide, 10, targets, rule).reason == "continue"
    assert look(wide, 20, targets, rule).reason == "cap"
    assert look(wide, 20, targets, rule).stop


def _run(path: Path, out: Path, *extra: str) -> tuple[dict[str, object], str]:
    args = ["run", str(path), *SHORT_SETS, "--until-decided", *extra, "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--workers", "1"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "manifest.json").read_text()), result.stdout


@pytest.mark.cli
def test_clearly_passing_target_stops_long_before_the_cap(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """wait_mean ≈ 0.5 s against ≤ 1.2 s on short replications is decided after 40, not
    200: the first looks spend little α (99.993 % at 10), which is what keeps the rule's
    promise on skewed KPIs (tests/validation/test_sequential_rule.py)."""
    manifest, stdout = _run(write_scenario(MM8_TEXT), tmp_path / "run")
    decided = manifest["until_decided"]
    assert isinstance(decided, dict)
    assert [one["n"] for one in decided["looks"]] == [10, 20, 40]
    assert decided["stopping_reason"] == "decided"
    assert manifest["replications"] == 40
    assert "stopped: every target decided" in stdout
    kpis = pl.read_parquet(tmp_path / "run" / "kpis.parquet")
    assert kpis["replication"].n_unique() == 40


@pytest.mark.cli
@pytest.mark.slow
def test_target_at_its_true_value_runs_to_the_cap(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A target set exactly at the KPI's expectation stays undecided: looks 10, 20, 40."""
    manifest, stdout = _run(write_scenario(AT_TRUTH), tmp_path / "run", "--max-replications", "40")
    decided = manifest["until_decided"]
    assert isinstance(decided, dict)
    assert [one["n"] for one in decided["looks"]] == [10, 20, 40]
    assert decided["stopping_reason"] == "cap"
    assert decided["looks"][-1]["open"] == ["resolution.arrivals_count <= 12960"]
    assert "reached --max-replications 40" in stdout
    summary = pl.read_parquet(tmp_path / "run" / "summary.parquet")
    row = summary.filter(pl.col("kpi") == "resolution.arrivals_count").row(0, named=True)
    assert row["n"] == 40
    assert row["verdict"] == "undecided"


@pytest.mark.cli
def test_without_targets_it_stops_when_every_kpi_is_precise(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """No targets: it stops at the first look where every KPI is within --precision."""
    manifest, stdout = _run(
        write_scenario(NO_TARGETS),
        tmp_path / "run",
        "--precision",
        "0.2",
        "--max-replications",
        "80",
    )
    decided = manifest["until_decided"]
    assert isinstance(decided, dict)
    assert decided["stopping_reason"] == "precise"
    n = decided["looks"][-1]["n"]
    assert n < 80
    summary = pl.read_parquet(tmp_path / "run" / "summary.parquet").filter(pl.col("n") >= 2)
    half = (summary["ci_high"] - summary["ci_low"]) / 2
    # The 95% CIs are narrower than the adjusted ones the rule used.
    assert ((half <= 0.2 * summary["mean"].abs()) | (half < 1e-3)).all()
    assert "within 20% of its mean" in stdout


@pytest.mark.unit
@pytest.mark.slow
def test_interrupted_until_decided_run_resumes_to_the_same_looks(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """Stopped mid-way (after 15 replications) and resumed, the looks and tables are equal."""
    scenario = simdata.load_scenario(write_scenario(AT_TRUTH), SHORT)
    rule = StoppingRule(max_replications=40)
    seen: list[int] = []

    def stop_after_15(rep: Replication) -> None:
        seen.append(rep.index)
        if len(seen) == 15:
            raise KeyboardInterrupt

    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        simdata.run(scenario, out=out, until_decided=rule, progress=stop_after_15)
    interrupted = json.loads((out / "manifest.json").read_text())
    assert interrupted["status"] == "interrupted"
    assert [one["n"] for one in interrupted["until_decided"]["looks"]] == [10]
    resumed = resume(out)
    reference = simdata.run(scenario, until_decided=rule)
    assert resumed.looks == reference.looks
    assert_same_results(resumed, reference)
