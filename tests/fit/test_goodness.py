"""Goodness-of-fit p-values of `simdata fit`: the statistic, the refits, the verdicts, the size."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from simdata.cli import cli
from simdata.experiments.fit.batch_mle import Samples, fit_rows
from simdata.experiments.fit.censored import FAMILIES, fit_family
from simdata.experiments.fit.goodness import (
    CENSORED,
    MAX_ROWS,
    UNCENSORED,
    ad_statistic,
    goodness_of_fit,
)
from tests.fit.synthetic import requests_log

pytestmark = pytest.mark.unit


def _rows(done: np.ndarray, open_: np.ndarray) -> Samples:
    times = np.concatenate([done, open_])[None, :]
    event = np.concatenate([np.ones(done.size, bool), np.zeros(open_.size, bool)])[None, :]
    return Samples.of(times, event)


def _censored(seed: int, n: int, censored: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Lognormal (median 6, σ 1.2) durations, ≈ 20 % censored uniformly, or none."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(np.log(6.0), 1.2, n)
    c = rng.uniform(0, 53, n) if censored else np.full(n, np.inf)
    return x[x <= c], c[x > c]


def test_statistic_without_censoring_is_the_classical_anderson_darling() -> None:
    """A² against Kaplan–Meier equals −n − Σ(2i−1)/n·[ln u_i + ln(1 − u_{n+1−i})]."""
    rng = np.random.default_rng(1)
    x = np.sort(rng.lognormal(1.0, 1.2, 400))
    u = stats.lognorm.cdf(x, 1.2, 0, np.e)
    i = np.arange(1, x.size + 1)
    classical = -x.size - np.sum((2 * i - 1) * (np.log(u) + np.log1p(-u[::-1]))) / x.size
    args = [np.array([1.2]), np.array([0.0]), np.array([np.e])]
    ours = ad_statistic("lognormal", x[None, :], np.ones((1, x.size), bool), args)[0]
    assert ours == pytest.approx(classical, rel=1e-9)


def test_batch_censored_mle_agrees_with_scipy() -> None:
    """The vectorised refits (bootstrap) reach scipy's censored MLE for every family."""
    done, open_ = _censored(2, 600)
    assert open_.size > 50
    for family in FAMILIES:
        args = [float(a[0]) for a in fit_rows(family, _rows(done, open_))]
        params = fit_family(family, done, open_).params
        if family == "exponential":
            assert args[1] == pytest.approx(params["mean"], rel=1e-5)  # scipy's is iterative
        elif family == "lognormal":
            assert args[2] == pytest.approx(params["median"], rel=1e-4)
            assert args[0] == pytest.approx(params["sigma"], rel=1e-4)
        else:
            assert args[0] * args[2] == pytest.approx(params["mean"], rel=1e-4)
            assert args[0] ** -0.5 == pytest.approx(params["cv"], rel=1e-4)


@pytest.mark.parametrize("censored", [False, True])
def test_true_family_passes_wrong_families_are_rejected(censored: bool) -> None:
    """800 lognormal durations (≈ 20 % censored or none): lognormal p > 0.05, gamma and
    exponential p ≤ 0.01; the censored sample goes through our bootstrap, the other scipy's."""
    done, open_ = _censored(3, 800, censored)
    results = {family: goodness_of_fit(family, done, open_, replicates=99) for family in FAMILIES}
    assert results["lognormal"].p_value > 0.05, results["lognormal"]
    assert results["gamma"].p_value <= 0.01
    assert results["exponential"].p_value <= 0.01
    assert results["lognormal"].method == (CENSORED if censored else UNCENSORED)
    assert results["lognormal"].censored == open_.size


def test_large_samples_are_subsampled_with_a_fixed_seed() -> None:
    """12,000 rows are tested on 5,000, the censored share kept; the same log, the same p."""
    done, open_ = _censored(4, 12_000)
    first = goodness_of_fit("lognormal", done, open_, replicates=19)
    again = goodness_of_fit("lognormal", done, open_, replicates=19)
    assert first.n == MAX_ROWS
    assert abs(first.censored / MAX_ROWS - open_.size / 12_000) < 0.02
    assert first == again


def invoke(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_p_values_reach_the_result_the_comments_and_the_printed_ranking(tmp_path: Path) -> None:
    """Every review family carries a p-value; the # D: comments and the CLI's table show it."""
    frame, _ = requests_log(3)
    data, out = tmp_path / "requests.csv", tmp_path / "fitted.yaml"
    frame.write_csv(data)
    code, stdout, stderr = invoke("fit", data, "--as", "requests", "--out", out)
    assert code == 0, stderr
    assert "GoF p" in stdout
    assert "ΔAIC" in stdout
    text = out.read_text(encoding="utf-8")
    assert "GoF p = " in text
    assert "vs Kaplan-Meier" in text
    assert text.count("(GoF p ") == len(FAMILIES)
    code, _, stderr = invoke("fit", data, "--as", "requests")
    assert "GoF p" in stderr  # the YAML on stdout stays clean


@pytest.mark.slow
def test_size_at_five_percent_stays_within_tolerance() -> None:
    """Data from the tested (lognormal) family, n = 100, 99 refits: over 150 samples each
    the uncensored and the censored (≈ 20 %) tests reject at most at the binomial tolerance
    0.05 + 2.58·√(0.0475/150) ≈ 0.096."""
    tolerance = 0.05 + 2.58 * np.sqrt(0.0475 / 150)
    for censored in (False, True):
        rejected = 0
        for seed in range(150):
            done, open_ = _censored(10_000 + seed, 100, censored)
            rejected += goodness_of_fit("lognormal", done, open_, 99, seed).p_value <= 0.05
        assert rejected / 150 <= tolerance, (censored, rejected)
