"""Round trip (issue 18): simulate, ``simdata export --logs``, ``simdata fit``, recover the truth.

Over 3 root seeds, the 8 true parameters of :mod:`tests.fit.round_trip` (4 rates, the review
time's median and σ, the reject and auto-approval shares) lie in their fitted 99 % CIs at a
rate within the binomial tolerance 0.99 − 2.58·√(0.0099/N) over the N = 24 checks (at most
one miss); the review time's true family (lognormal) ranks first by AIC in every log
(≈ 2,000 reviews each); and ``simdata run`` on a fitted scenario works. The larger
measurement (more seeds, per-parameter rates) is ``bench/fit_round_trip.py``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.fit.round_trip import TRUE, invoke, round_trip, tolerance

SEEDS = (1, 2, 3)


@pytest.mark.slow
def test_round_trip_recovers_the_truth_and_the_fitted_scenario_runs(tmp_path: Path) -> None:
    trips = [round_trip(seed, tmp_path / f"seed-{seed}") for seed in SEEDS]
    checks = [covered for trip in trips for covered in trip.covered.values()]
    assert len(checks) == len(SEEDS) * len(TRUE)
    rate = sum(checks) / len(checks)
    missed = [(t.seed, k, t.cis[k]) for t in trips for k, ok in t.covered.items() if not ok]
    assert rate >= tolerance(len(checks)), missed
    assert [trip.family for trip in trips] == ["lognormal"] * len(SEEDS)
    fitted = trips[0].fitted
    assert fitted is not None
    again = tmp_path / "fitted-run"
    invoke(
        "run", fitted, "--out", again, "--quiet",
        "--set", "run.end_date=2026-01-31", "--set", "run.warmup=15 d",
    )  # fmt: skip
    summary = pl.read_parquet(again / "summary.parquet")
    assert "requests.arrivals_count" in summary["kpi"].to_list()
