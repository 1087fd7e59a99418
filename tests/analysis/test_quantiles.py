"""Quantile KPIs pooled over replications (issue 12 §1): the estimate, the sectioning CI, the
tail guard, and the same numbers from files, from either engine and through the CLI."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from scipy import stats

import simdata
from simdata.analysis.quantiles import MIN_TAIL, TAIL_NOTE, pooled_quantile
from simdata.analysis.summary import summary_frame
from simdata.cli import cli
from simdata.engine import histogram

#: M/M/1 at ρ = 0.8, about 1,800 customers a replication: 18 beyond the p99 (guarded), far
#: more than 100 beyond the median.
SHORT_MM1 = """\
name: mm1-short
run: {horizon: 2450 s, warmup: 200 s, replications: 10, seed: 3}
resolution:
  engine: ENGINE
  servers: 1
  service_time: {dist: exponential, mean: 1 s}
  traffic: {rate: 0.8/s}
targets:
  - {kpi: resolution.sojourn_p99, "<=": 60 s}
  - {kpi: resolution.sojourn_p50, "<=": 30 s}
"""


def _sections(seed: int, sizes: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    values = [rng.lognormal(0.0, 1.0, size) for size in sizes]
    return values, [histogram.of(v) for v in values]


@pytest.mark.unit
def test_the_estimate_is_the_quantile_of_every_value_pooled() -> None:
    """Within the histogram's resolution (< 0.81 %) of numpy's quantile of all the values —
    not the mean of the sections' quantiles, which is 5 % lower for these short sections."""
    values, sections = _sections(1, [300] * 10)
    pooled = pooled_quantile(sections, 0.99).estimate
    exact = np.quantile(np.concatenate(values), 0.99, method="inverted_cdf")
    assert pooled.mean == pytest.approx(exact, rel=histogram.GAMMA - 1)
    mean_of_sections = np.mean([np.quantile(v, 0.99, method="inverted_cdf") for v in values])
    assert abs(mean_of_sections / exact - 1) > 0.02  # the bias the pooling removes


@pytest.mark.unit
def test_the_sectioning_ci_spreads_the_sections_around_the_pooled_estimate() -> None:
    """ξ̂ ± t(r−1)·S/√r with S² = Σ(ξ̂ᵢ − ξ̂)²/(r − 1) (Nakayama 2014); empty sections are
    left out of r."""
    _, sections = _sections(2, [500, 400, 0, 600, 450])
    found = pooled_quantile(sections, 0.9).estimate
    full = [h for h in sections if histogram.count(h)]
    point = histogram.quantile(histogram.merge(*full), 0.9)
    each = np.array([histogram.quantile(h, 0.9) for h in full])
    half = stats.t.ppf(0.975, 3) * math.sqrt(np.sum((each - point) ** 2) / 3) / 2
    assert found.n == 4
    assert found.mean == point
    assert (found.ci_low, found.ci_high) == pytest.approx((point - half, point + half))


@pytest.mark.unit
def test_the_tail_guard_counts_values_beyond_the_quantile_in_the_median_replication() -> None:
    """p99 needs n·0.01 ≥ MIN_TAIL, the median n·0.5: the rule looks at the median section."""
    below = MIN_TAIL * 100 - 100
    _, sections = _sections(3, [below, below, MIN_TAIL * 1000])
    assert pooled_quantile(sections, 0.99).guarded
    assert not pooled_quantile(sections, 0.50).guarded
    _, enough = _sections(4, [MIN_TAIL * 100] * 3)
    assert not pooled_quantile(enough, 0.99).guarded
    assert TAIL_NOTE in pooled_quantile(sections, 0.99).note(0.99)


def _cli(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.cli
def test_a_guarded_target_is_undecided_everywhere_a_planner_reads_it(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """The p99 target with 18 values beyond the quantile per replication is undecided with
    the reason — table, summary.parquet, summary.md, manifest, report — though its CI lies
    wholly below the target; the median target, with ~900 beyond, is judged."""
    out = tmp_path / "run"
    output = _cli("run", write_scenario(SHORT_MM1.replace("ENGINE", "event")), "--out", out)
    summary = pl.read_parquet(out / "summary.parquet")
    p99 = summary.filter(pl.col("kpi") == "resolution.sojourn_p99").row(0, named=True)
    p50 = summary.filter(pl.col("kpi") == "resolution.sojourn_p50").row(0, named=True)
    assert p99["ci_high"] < 60
    assert p99["verdict"] == "undecided"
    assert p99["note"].startswith(TAIL_NOTE)
    assert p50["verdict"] == "pass"
    assert p50["note"] is None
    assert "pooled quantile" in p99["ci_method"]
    assert "too few tail samples" in output
    assert (
        "undecided: too few tail samples — lengthen run.horizon" in (out / "summary.md").read_text()
    )
    assert "undecided†" in output
    manifest = json.loads((out / "manifest.json").read_text())
    assert any(TAIL_NOTE in warning for warning in manifest["warnings"])
    _cli("report", out)
    assert "too few tail samples" in (out / "report.html").read_text()


@pytest.mark.cli
def test_until_decided_stops_for_a_guarded_target_and_says_lengthen_the_run(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """More replications cannot fix a short replication: the rule stops at its first look
    (the median target decided there) and names the guarded target."""
    out = tmp_path / "run"
    output = _cli(
        "run", write_scenario(SHORT_MM1.replace("ENGINE", "event")), "--until-decided",
        "--out", out,
    )  # fmt: skip
    looks = json.loads((out / "manifest.json").read_text())["until_decided"]["looks"]
    assert [one["n"] for one in looks] == [10]
    assert looks[0]["guarded"] == ["resolution.sojourn_p99 <= 60 s"]
    assert "lengthen run.horizon" in output


@pytest.mark.cli
def test_the_summary_recomputed_from_files_is_the_run_s_and_both_engines_agree(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """histograms.parquet + kpis.parquet give summary.parquet again (what compare and the
    report read); the batched engine, drawing the same numbers, pools the same histograms."""
    found = {}
    for engine in ("event", "batched"):
        out = tmp_path / engine
        _cli("run", write_scenario(SHORT_MM1.replace("ENGINE", engine), f"{engine}.yaml"),
             "--out", out)  # fmt: skip
        written = pl.read_parquet(out / "summary.parquet")
        scenario = simdata.load_scenario(out / "scenario.yaml")
        again = summary_frame(
            pl.read_parquet(out / "kpis.parquet"),
            scenario.targets,
            histograms=pl.read_parquet(out / "histograms.parquet"),
        )
        assert again.equals(written)
        found[engine] = written.filter(pl.col("kpi").str.contains("_p")).sort("kpi")
    columns = ["kpi", "mean", "ci_low", "ci_high", "n", "note"]
    assert found["event"].select(columns).equals(found["batched"].select(columns))
