"""``simdata compare``'s "better" column: Holm across one family, conditional KPIs unmarked."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

from simdata.analysis.multiplicity import ALPHA, holm
from simdata.cli import cli
from simdata.experiments.compare import COMPARE_SCHEMA, RunDir, compare, difference_rows
from simdata.experiments.compare_stats import (
    in_family,
    judge,
    paired_difference,
    welch_difference,
)
from simdata.report.html import build_report

POOL = Path(__file__).parent / "data" / "mm8-short-pool.parquet"
#: A target-free family of five whole-frame KPIs with a better direction.
FAMILY = (
    "resolution.wait_mean",
    "resolution.sojourn_mean",
    "resolution.queue_mean",
    "resolution.throughput",
    "resolution.rejected_share",
)


def write_run(
    path: Path, seed: int, values: Mapping[str, Sequence[float]], targets: Sequence[str] = ()
) -> Path:
    """A run directory as ``simdata run`` leaves it, with the given replication values."""
    path.mkdir(parents=True)
    rows = [(r, kpi, float(v)) for kpi, vs in values.items() for r, v in enumerate(vs)]
    pl.DataFrame(rows, schema=["replication", "kpi", "value"], orient="row").write_parquet(
        path / "kpis.parquet"
    )
    manifest = {"kind": "run", "status": "complete", "root_seed": seed, "scenario_name": path.name}
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    scenario = {"name": path.name, "targets": [{"kpi": k, "<=": 1.0} for k in targets]}
    (path / "scenario.yaml").write_text(yaml.safe_dump(scenario), encoding="utf-8")
    return path


def _noise(rng: np.random.Generator, mean: float = 1.0) -> list[float]:
    return (mean + 0.1 * rng.standard_normal(8)).tolist()


def test_holm_step_down_on_a_known_vector() -> None:
    """p = (0.01, 0.04, 0.03, 0.005): sorted × (4, 3, 2, 1), running max → (0.03, 0.06,
    0.06, 0.02); at 5 % only the first and last are rejected, and NaN stays unrejected."""
    adjusted = holm(np.array([0.01, 0.04, 0.03, 0.005]))
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert (adjusted <= ALPHA).tolist() == [True, False, False, True]
    with_nan = holm(np.array([0.01, np.nan, 0.02]))
    assert with_nan[0] == pytest.approx(0.03)
    assert np.isnan(with_nan[1])
    assert with_nan[2] == pytest.approx(0.04)
    assert holm(np.array([0.6, 0.9])) == pytest.approx([1.0, 1.0])  # capped at 1


def test_the_p_value_comes_from_the_t_of_the_ci() -> None:
    """Paired t and Welch t agree with scipy, and p < 0.05 exactly when the CI leaves 0."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=9), rng.normal(0.8, 1.5, size=7)
    welch = welch_difference(a, b)
    assert welch.p_value == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    pairs = paired_difference(a[:7], b)
    assert pairs.p_value == pytest.approx(stats.ttest_rel(b, a[:7]).pvalue)
    for diff in (welch, pairs):
        assert (diff.p_value < 0.05) == (diff.ci_low > 0 or diff.ci_high < 0)
    same = paired_difference(np.ones(4), np.ones(4))
    assert (same.p_value, same.ci_low, same.ci_high) == (1.0, 0.0, 0.0)


def test_family_membership() -> None:
    """In: whole-frame KPIs with a direction, and targeted breakdowns. Out: untargeted
    breakdowns, KPIs without a direction, conditional KPIs even when targeted."""
    target = "requests.rejected_share@kind=enterprise"
    assert in_family("resolution.wait_mean", set())
    assert not in_family(target, set())
    assert in_family(target, {target})
    assert not in_family("resolution.arrivals_count", set())  # better: neither
    assert not in_family("requests.time_to_data_p90", {"requests.time_to_data_p90"})
    assert not in_family("other.unknown_kpi", set())


def test_holm_leaves_undecided_what_one_test_alone_would_call(tmp_path: Path) -> None:
    """A paired difference with p = 0.016 (CI clear of 0) in a family of five is not
    "better" after Holm (0.016 × 5 > 0.05); its CI stays the unadjusted one."""
    rng = np.random.default_rng(1)
    base = {kpi: _noise(rng) for kpi in FAMILY}
    variant = {kpi: list(v) for kpi, v in base.items()}
    shift = np.array([0.1, 0.3, 0.2, 0.5, -0.05, 0.25, 0.0, 0.4])
    variant["resolution.wait_mean"] = (np.array(base["resolution.wait_mean"]) + shift).tolist()
    for kpi in FAMILY[1:]:
        variant[kpi] = _noise(rng)
    result = compare(write_run(tmp_path / "a", 1, base), [write_run(tmp_path / "b", 1, variant)])
    wait = result.table.filter(pl.col("kpi") == "resolution.wait_mean").row(0, named=True)
    assert wait["p_value"] == pytest.approx(0.016, abs=5e-4)
    assert wait["diff_ci_low"] > 0.0  # unadjusted 95 % CI: clearly worse on its own
    assert wait["p_holm"] == pytest.approx(5 * wait["p_value"])
    assert wait["better"] == "undecided"
    assert result.table["in_family"].sum() == len(FAMILY)


def test_conditional_and_untargeted_breakdowns_get_no_mark(tmp_path: Path) -> None:
    """Time to data (delivered requests only) and an untargeted breakdown keep their CI but
    get no "better"; a targeted breakdown and a whole-frame KPI do."""
    rng = np.random.default_rng(2)
    kpis = (
        "requests.time_to_data_mean",
        "requests.rejected_share@kind=enterprise",
        "requests.rejected_share@kind=government",
        "requests.backlog_count",
    )
    base = {kpi: _noise(rng) for kpi in kpis}
    variant = {kpi: (np.array(v) - 0.5).tolist() for kpi, v in base.items()}  # all far lower
    targets = ["requests.rejected_share@kind=government"]
    a = write_run(tmp_path / "a", 4, base, targets)
    b = write_run(tmp_path / "b", 4, variant, targets)
    table = compare(a, [b]).table
    rows = {row["kpi"]: row for row in table.iter_rows(named=True)}
    ttd = rows["requests.time_to_data_mean"]
    assert (ttd["conditional"], ttd["in_family"], ttd["better"], ttd["p_holm"]) == (
        True,
        False,
        None,
        None,
    )
    assert ttd["diff_ci_high"] < 0.0
    assert ttd["p_value"] < 1e-6
    outside = rows["requests.rejected_share@kind=enterprise"]
    assert (outside["in_family"], outside["better"]) == (False, None)
    assert rows["requests.rejected_share@kind=government"]["better"] == "variant"
    assert rows["requests.backlog_count"]["better"] == "variant"
    assert table["in_family"].sum() == 2


def test_the_cli_and_the_report_show_holm_and_the_reasons(tmp_path: Path) -> None:
    """The terminal shows p (Holm), the rule and "conditional"; compare.parquet has the
    new columns; the report (en and zh) shows the note and the reasons."""
    rng = np.random.default_rng(5)
    kpis = ("requests.time_to_data_p90", "requests.backlog_count", "resolution.wait_mean")
    base = {kpi: _noise(rng) for kpi in kpis}
    variant = {kpi: (np.array(v) + 0.3).tolist() for kpi, v in base.items()}
    a, b = write_run(tmp_path / "a", 4, base), write_run(tmp_path / "b", 4, variant)
    out = tmp_path / "c"
    wide = {"COLUMNS": "200"}  # narrower terminals stack the headers' words
    result = CliRunner().invoke(cli, ["compare", str(a), str(b), "--out", str(out)], env=wide)
    assert result.exit_code == 0, result.stderr
    assert "p (Holm)" in result.stdout
    assert "Holm's correction at α = 0.05 across 2 differences" in result.stdout
    assert "conditional" in result.stdout.split("better:")[0]  # in the table itself
    table = pl.read_parquet(out / "compare.parquet")
    assert {"test", "p_value", "p_holm", "in_family", "conditional"} <= set(table.columns)
    assert json.loads((out / "manifest.json").read_text())["better"]["family_size"] == 2
    en = build_report(out, "en").path.read_text(encoding="utf-8")
    assert "Holm" in en
    assert "conditional: over a subset the variant changes" in en
    zh = build_report(out, "zh").path.read_text(encoding="utf-8")
    assert "Holm校正" in zh
    assert "条件指标" in zh


def _judge_resampled(pool: pl.DataFrame, picks: np.ndarray, n: int) -> bool:
    """Whether a compare of two disjoint resamples of ``n`` replications marks anything."""
    keys = pool.select("seed", "replication").unique(maintain_order=True)
    chosen = keys[picks.tolist()]
    runs = []
    for index, part in enumerate((chosen.head(n), chosen.tail(n))):
        kpis = (
            part.with_row_index("new")
            .join(pool, on=["seed", "replication"])
            .select(pl.col("new").cast(pl.Int64).alias("replication"), "kpi", "value")
        )
        runs.append(RunDir(Path(f"r{index}"), {"root_seed": index}, kpis))
    rows = difference_rows(runs[0], runs[1], "variant")
    table = judge(pl.DataFrame(rows, schema=COMPARE_SCHEMA, orient="row"), set())
    return bool(table["better"].is_in(["variant", "base"]).any())


@pytest.mark.validation
def test_family_wise_error_on_stored_mm8_replications() -> None:
    """Two resampled "runs" of the same short mm8 (stored replications from
    bench/compare_fwer.py): over 300 compares at most α + 2.58·√(α(1−α)/N) mark anything
    (4 of 300 at this seed; 3 of 400 in the full runs)."""
    pool = pl.read_parquet(POOL)
    keys = pool.select("seed", "replication").unique().height
    rng = np.random.default_rng(12)
    trials = 300
    marked = sum(
        _judge_resampled(pool, rng.choice(keys, 20, replace=False), 10) for _ in range(trials)
    )
    assert marked / trials <= ALPHA + 2.58 * np.sqrt(ALPHA * (1 - ALPHA) / trials)


def test_family_wise_error_on_independent_kpis() -> None:
    """The worst case for Holm — a family of independent KPIs, no true difference, Welch t
    on 10 vs 10 replications: any mark in ≤ α + tolerance of 2,000 compares, where
    uncorrected 5 % tests would mark something in about 1 − 0.95⁵ = 23 %."""
    rng = np.random.default_rng(7)
    trials, n = 2000, 10
    marked = uncorrected = 0
    for _ in range(trials):
        diffs = [welch_difference(rng.normal(size=n), rng.normal(size=n)) for _ in FAMILY]
        table = pl.DataFrame(
            {
                "kpi": list(FAMILY),
                "diff_mean": [d.mean for d in diffs],
                "diff_ci_low": [d.ci_low for d in diffs],
                "p_value": [d.p_value for d in diffs],
            }
        )
        judged = judge(table, set())
        marked += int(judged["better"].is_in(["variant", "base"]).any())
        uncorrected += int((judged["p_value"] < ALPHA).any())
    tolerance = 2.58 * np.sqrt(ALPHA * (1 - ALPHA) / trials)
    assert marked / trials <= ALPHA + tolerance
    assert uncorrected / trials > 0.18  # the family really is a family: Holm is needed
