"""Coverage of the `simdata fit --report` arrival-profile bands over 200 synthetic node logs.

    .venv/bin/python -m bench.fit_profile_bands

Hourly band: mean arrivals per hour of day over the log's days, 95 % CI stratified by
weekday/weekend; day-of-week band: Student-t over weeks. The truth is the expected count
over the log's own day mix. The figures are in docs/fit.md (issue 18, the report page).
"""
# ruff: noqa

import datetime as dt

import numpy as np

from simdata.report.fit_samples import arrival_profile
from tests.fit.node_synthetic import START, NodeTruth, node_draw


def coverage(truth: NodeTruth, seeds: range) -> tuple[float, float]:
    weights = np.array(truth.hourly) / np.mean(truth.hourly)
    days = [START + dt.timedelta(days=d) for d in range(truth.days)]
    factor = np.array([1.0 if d.weekday() < 5 else truth.weekend for d in days])
    hourly = truth.rate_per_s * 3600 * weights * factor.mean()
    weekday = np.array([d.weekday() for d in days])
    daily = np.array([truth.rate_per_s * 86400 * factor[weekday == w].mean() for w in range(7)])
    hit_h = hit_w = total_w = 0
    for seed in seeds:
        profile = arrival_profile(START, node_draw(seed, truth).t)
        band = profile.hourly
        hit_h += np.sum((band.low <= hourly) & (hourly <= band.high))
        band = profile.weekday
        known = np.isfinite(band.low)
        hit_w += np.sum(((band.low <= daily) & (daily <= band.high))[known])
        total_w += known.sum()
    return hit_h / (24 * len(seeds)), hit_w / total_w


def main() -> None:
    for rate, days in ((0.01, 14), (0.01, 28), (0.002, 28)):
        hourly, weekday = coverage(NodeTruth(rate_per_s=rate, days=days), range(200))
        print(f"{rate}/s over {days} days: hourly {hourly:.3f}, day of week {weekday:.3f}")


if __name__ == "__main__":
    main()
