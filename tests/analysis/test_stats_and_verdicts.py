"""Summaries with Student-t CIs, verdicts from CIs, and the MSER-5 warm-up check."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

import simdata
from simdata.analysis.stats import Estimate, summarise, t_half_width, t_interval, t_quantile
from simdata.analysis.targets import combine, judge
from simdata.analysis.warmup import mser5
from simdata.scenario.models import Target

pytestmark = pytest.mark.unit


def target(op: str, value: float) -> Target:
    return Target.model_validate({"kpi": "resolution.wait_mean", op: f"{value} s"})


def test_t_interval_matches_scipy() -> None:
    """The CI is mean ± t(0.975, n−1)·s/√n, as scipy computes it; NaNs are not counted."""
    values = np.array([1.0, 2.0, 4.0, 7.0, np.nan, 11.0])
    estimate = t_interval(values)
    clean = values[~np.isnan(values)]
    low, high = stats.t.interval(0.95, len(clean) - 1, clean.mean(), stats.sem(clean))
    assert estimate.n == 5
    assert estimate.mean == pytest.approx(clean.mean())
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((low, high))
    assert estimate.std == pytest.approx(clean.std(ddof=1))


def test_t_interval_with_fewer_than_two_values_has_no_ci() -> None:
    """n = 1 gives a mean but no CI; n = 0 gives nothing."""
    one = t_interval(np.array([3.0]))
    assert one.mean == 3.0
    assert math.isnan(one.ci_low)
    assert one.n == 1
    assert t_interval(np.array([np.nan])).n == 0


def test_summarise_is_one_row_per_kpi() -> None:
    """The long KPI table becomes kpi, mean, ci_low, ci_high, std, n per KPI."""
    kpis = pl.DataFrame(
        {"replication": [0, 1, 2, 0, 1, 2], "kpi": ["a"] * 3 + ["b"] * 3,
         "value": [1.0, 2.0, 3.0, 5.0, 5.0, float("nan")]}
    )  # fmt: skip
    summary = summarise(kpis)
    assert summary["kpi"].to_list() == ["a", "b"]
    assert summary["n"].to_list() == [3, 2]
    assert summary.filter(pl.col("kpi") == "b")["ci_low"].item() == 5.0


@pytest.mark.parametrize(
    ("op", "value", "ci", "verdict"),
    [
        ("<=", 1.0, (0.5, 0.9), "pass"),
        ("<=", 1.0, (0.5, 1.0), "pass"),  # the whole CI is at or below
        ("<", 1.0, (0.5, 1.0), "undecided"),  # 1.0 is not < 1.0
        ("<=", 1.0, (0.9, 1.1), "undecided"),
        ("<=", 1.0, (1.1, 1.2), "fail"),
        (">=", 1.0, (1.1, 1.2), "pass"),
        (">=", 1.0, (0.8, 0.9), "fail"),
        (">", 1.0, (1.0, 1.2), "undecided"),
        (">", 1.0, (0.5, 1.0), "fail"),
    ],
)
def test_verdicts_follow_the_whole_ci(
    op: str, value: float, ci: tuple[float, float], verdict: str
) -> None:
    """pass when the whole CI meets the target, fail when none of it does, else undecided."""
    estimate = Estimate(sum(ci) / 2, ci[0], ci[1], 0.1, 10)
    assert judge(target(op, value), estimate) == verdict


def test_too_few_replications_are_undecided() -> None:
    """n < 2 is undecided even when the mean is far on the right side."""
    assert judge(target("<=", 1.0), Estimate(0.1, math.nan, math.nan, math.nan, 1)) == "undecided"


def test_combined_verdicts() -> None:
    """Several targets on one KPI: any fail → fail, else any undecided → undecided."""
    assert combine(["pass", "fail", "undecided"]) == "fail"
    assert combine(["pass", "undecided"]) == "undecided"
    assert combine(["pass", "pass"]) == "pass"


def test_mser5_finds_a_transient() -> None:
    """A series with an initial ramp is truncated near the ramp's end, not at 0."""
    rng = np.random.default_rng(3)
    ramp = np.linspace(0.0, 10.0, 100)
    series = np.concatenate([ramp, 10.0 + rng.normal(0, 0.5, 400)])
    check = mser5(series, bin_width_s=2.0)
    assert check.determined
    assert 150.0 <= check.suggested_s <= 260.0  # ramp ends at bin 100 = 200 s


def test_mser5_keeps_everything_of_a_stationary_series() -> None:
    """Stationary noise needs (almost) no truncation."""
    series = np.random.default_rng(4).normal(5.0, 1.0, 500)
    check = mser5(series, bin_width_s=1.0)
    assert check.determined
    assert check.suggested_s <= 50.0


def test_mser5_flags_a_trend_as_undetermined() -> None:
    """A series that drifts to the end has its minimum in the second half: undetermined."""
    series = np.linspace(0.0, 100.0, 500) ** 2
    assert not mser5(series, bin_width_s=1.0).determined


@pytest.mark.unit
def test_no_mser_warning_for_a_daily_profile_that_drifts_by_design() -> None:
    """The national day's in-node count follows its hourly profile: MSER-5 finds no steady
    state (it would call the run unsettled), so the run does not ask for a warm-up."""
    scenario = simdata.load_scenario(
        "scenarios/national-day.yaml",
        ["resolution.traffic.rate=1500000/d", "run.replications=1"],
    )
    result = simdata.run(scenario)
    series = result.timeseries.filter(series="resolution.in_system").sort("time_s")
    times = series["time_s"].to_numpy()
    assert not mser5(series["value"].to_numpy(), float(times[1] - times[0])).determined
    assert not [w for w in result.warnings if "MSER" in w]


def test_t_quantile_two_and_one_sided() -> None:
    """Two-sided 95 % is the 0.975 quantile, one-sided 95 % the 0.95 quantile; arrays too."""
    assert t_quantile(0.95, 4) == float(stats.t.ppf(0.975, 4))
    assert t_quantile(0.95, 4, sided="one") == float(stats.t.ppf(0.95, 4))
    df = np.array([1.0, 9.0])
    assert np.array_equal(t_quantile(0.9, df), stats.t.ppf(0.95, df))


def test_t_half_width_is_vectorised_and_nan_below_two() -> None:
    """Half-widths agree with ``t_interval`` element-wise and are NaN where n < 2."""
    values = np.array([1.0, 2.0, 4.0, 7.0])
    estimate = t_interval(values)
    half = t_half_width(np.array([estimate.std, 1.0]), np.array([4, 1]))
    assert math.isclose(half[0], estimate.ci_high - estimate.mean, rel_tol=1e-12)
    assert math.isnan(half[1])


@pytest.mark.unit
def test_cis_stay_inside_what_a_kpi_can_take() -> None:
    """A share's CI never leaves [0, 1] and a count's never goes below 0 (the Student-t
    interval is clipped); the mean is left as it is."""
    from simdata.analysis.summary import summary_frame

    kpis = pl.DataFrame(
        {
            "replication": [0, 1, 2, 0, 1, 2],
            "kpi": ["resolution.sla_share"] * 3 + ["requests.backlog_count"] * 3,
            "value": [1.0, 0.9, 1.0, 0.0, 3.0, 0.0],
        }
    )
    summary = summary_frame(kpis, []).sort("kpi")
    backlog, share = summary.row(0, named=True), summary.row(1, named=True)
    assert share["ci_high"] == 1.0
    assert 0 < share["ci_low"] < share["mean"] < 1
    assert backlog["ci_low"] == 0.0
    assert backlog["mean"] == pytest.approx(1.0)


@pytest.mark.unit
def test_equal_replications_decide_only_from_twenty() -> None:
    """Every replication at 0 % rejected: undecided with fewer than 20, judged from 20."""
    from simdata.analysis.targets import MIN_EQUAL
    from simdata.scenario.models import Target

    target = Target.model_validate({"kpi": "resolution.rejected_share", "<=": 0.01})
    few = Estimate(0.0, 0.0, 0.0, 0.0, MIN_EQUAL - 1)
    many = Estimate(0.0, 0.0, 0.0, 0.0, MIN_EQUAL)
    assert judge(target, few) == "undecided"
    assert judge(target, many) == "pass"
    above = Estimate(0.5, 0.5, 0.5, 0.0, MIN_EQUAL)
    assert judge(target, above) == "fail"


@pytest.mark.unit
def test_a_sequential_run_shows_the_rules_own_verdict_and_level() -> None:
    """With --until-decided a target is judged with the rule's interval at its level: a
    target inside that interval is undecided even when the 95 % CI would have passed it,
    and ci_level/ci_method say so; untargeted KPIs keep their 95 % CI."""
    from simdata.analysis.summary import summary_frame, summary_rows
    from simdata.scenario.models import Target

    rng = np.random.default_rng(3)
    draws = rng.standard_normal(10)
    waits = 0.88 + 0.11 * (draws - draws.mean()) / draws.std(ddof=1)
    kpis = pl.DataFrame(
        {
            "replication": list(range(10)) * 2,
            "kpi": ["resolution.wait_mean"] * 10 + ["resolution.throughput"] * 10,
            "value": [*waits, *(5 + draws)],
        }
    )
    target = Target.model_validate({"kpi": "resolution.wait_mean", "<=": "1 s"})
    fixed = summary_frame(kpis, [target]).sort("kpi")
    assert fixed.filter(pl.col("kpi") == "resolution.wait_mean")["verdict"].item() == "pass"
    ruled = summary_frame(
        kpis, [target], target_confidence=0.995, target_method="sequential look"
    ).sort("kpi")
    wait = ruled.filter(pl.col("kpi") == "resolution.wait_mean").row(0, named=True)
    assert wait["verdict"] == "undecided"
    assert wait["ci_level"] == 0.995
    assert wait["ci_method"].endswith("; sequential look")
    assert wait["ci_high"] > 1.0
    other = ruled.filter(pl.col("kpi") == "resolution.throughput").row(0, named=True)
    assert other["ci_level"] == 0.95
    shown = {row.kpi: row.level_note for row in summary_rows(ruled)}
    assert shown == {"resolution.throughput": "", "resolution.wait_mean": " (99.50%)"}
