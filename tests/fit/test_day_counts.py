"""Arrival rates by count regression on calendar day types (调休 included) and the hour profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from simdata.experiments.fit import fit_requests
from simdata.experiments.fit.counts import log_workdays, rate_per_workday, workday_index
from simdata.experiments.fit.day_counts import day_types, hour_profile, overdispersion_test
from tests.fit.day_synthetic import (
    DayTruth,
    calendar_of,
    day_arrivals,
    day_log,
    expected_rate,
    layout,
)

pytestmark = pytest.mark.unit


def _covers(ci: tuple[float, float], value: float) -> bool:
    return ci[0] <= value <= ci[1]


def test_day_types_follow_the_statutory_calendar() -> None:
    """2025: 调休 Sunday Jan 26 and Saturday Feb 8 are make-up workdays; Wednesday Feb 5,
    after the Spring Festival holidays, and every Monday open after a break."""
    calendar = calendar_of(DayTruth())
    workdays = log_workdays(calendar)
    types = dict(zip(workdays, day_types(calendar, workdays), strict=True))
    assert types[dt.date(2025, 1, 26)] == "makeup"
    assert types[dt.date(2025, 2, 8)] == "makeup"
    assert types[dt.date(2025, 10, 11)] == "makeup"
    assert types[dt.date(2025, 2, 5)] == "after_break"
    assert types[dt.date(2025, 3, 3)] == "after_break"  # a Monday
    assert types[dt.date(2025, 3, 4)] == "regular"
    assert dt.date(2025, 1, 29) not in types  # Spring Festival: a holiday
    assert sum(t == "makeup" for t in types.values()) == 5


def test_rates_and_day_factors_are_recovered_and_overdispersion_chooses_the_model() -> None:
    """A year's log: the rates (mean over workdays) and both day-type factors land in their
    95 % CIs; the over-dispersed kind gets a negative binomial, the Poisson kind a Poisson."""
    truth = DayTruth()
    calendar = calendar_of(truth)
    types = day_types(calendar, log_workdays(calendar))
    t, kinds = day_arrivals(7, truth)
    index, workdays = workday_index(calendar, t)
    for kind in truth.rates:
        fit = rate_per_workday(kind, index[np.array(kinds) == kind], workdays, types)
        assert fit.model is not None
        assert _covers(fit.ci, expected_rate(truth, kind)), (kind, fit.ci)
        effects = {e.day_type: e for e in fit.model.effects}
        assert _covers(effects["after_break"].ci, 1.3), effects
        assert _covers(effects["makeup"].ci, 0.7), effects
        assert fit.model.family == ("negative_binomial" if kind == "enterprise" else "poisson")
        assert fit.model.days == {"regular": 193, "after_break": 50, "makeup": 5}


def test_overdispersion_test_rejects_only_overdispersed_counts() -> None:
    rng = np.random.default_rng(3)
    mu = np.full(400, 20.0)
    assert overdispersion_test(rng.poisson(mu).astype(float), mu)[1] > 0.05
    mixed = rng.poisson(rng.gamma(1 / 0.1, 0.1 * mu)).astype(float)
    assert overdispersion_test(mixed, mu)[1] < 0.001


def test_hour_profile_flags_arrivals_outside_office_time_and_peaks() -> None:
    """Uniform arrivals in office time pass the χ² check; a morning peak and evening
    arrivals (served the next workday) do not, and the office share says how many."""
    calendar = calendar_of(DayTruth(days=60))
    t, _ = day_arrivals(1, DayTruth(days=60))
    assert hour_profile(calendar, t).uniform_p > 0.01
    rng = np.random.default_rng(2)
    morning = np.floor(t / 86_400) * 86_400 + 9.5 * 3600 + rng.uniform(0, 1800, t.size)
    evening = np.floor(t[:200] / 86_400) * 86_400 + 20 * 3600
    skewed = hour_profile(calendar, np.concatenate([t, morning[: t.size // 3], evening]))
    assert skewed.uniform_p < 1e-6
    assert skewed.counts[20] == 200
    assert skewed.office_share == pytest.approx(1 - 200 / (t.size + t.size // 3 + 200))


def test_fitted_comment_carries_the_regression(tmp_path: Path) -> None:
    """The # D: comment names the model, the overdispersion test, the day-type factors and
    the hour-of-day profile; the written rate is the model's."""
    data = tmp_path / "requests.csv"
    day_log(5).write_csv(data)
    result = fit_requests(data)
    assert "negative binomial" in result.text
    assert "overdispersion test p" in result.text
    assert "makeup ×" in result.text
    assert "arrivals by hour of day" in result.text
    fits = {fit.kind: fit for fit in result.fitted.rates}
    model = fits["enterprise"].model
    assert model is not None
    assert fits["enterprise"].per_workday == model.rate
    assert f"rate: {model.rate:.4g}/workday" in result.text


@pytest.mark.slow
def test_negative_binomial_rate_ci_covers_at_its_level() -> None:
    """Over 60 year-long logs the over-dispersed kind's rate CI (negative binomial chosen by
    the overdispersion test) covers the mean over workdays ≥ 88 % of the time (binomial
    tolerance 0.95 − 2.58·√(0.0475/60) ≈ 0.877; a Poisson CI covers ≈ 0.82)."""
    truth = DayTruth(rates={"enterprise": 12.0})
    calendar, types, _ = layout(truth.days)
    hits = 0
    for seed in range(60):
        t, _ = day_arrivals(seed, truth)
        index, workdays = workday_index(calendar, t)
        fit = rate_per_workday("enterprise", index, workdays, types)
        hits += _covers(fit.ci, expected_rate(truth, "enterprise"))
    assert hits / 60 >= 0.95 - 2.58 * np.sqrt(0.0475 / 60), hits
