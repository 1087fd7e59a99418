"""Recovery and CI coverage of `simdata fit --as requests` (issue 18, step 1).

    .venv/bin/python -m bench.fit_coverage [RUNS]

Fits RUNS synthetic request logs (tests/fit/synthetic.py, known truth) and prints the coverage
of each fitted value's 95 % CI, then compares the censored review-time fit with dropping the
open reviews on logs where ~19 % of reviews are still open. The figures are in docs/fit.md
and docs/statistics.md.
"""
# ruff: noqa: E501

import sys
import tempfile
from pathlib import Path

import numpy as np

from simdata.experiments.fit import fit_requests
from simdata.experiments.fit.censored import fit_family, naive_lognormal_median
from tests.fit.synthetic import TRUTH, requests_log
from tests.fit.test_fit_requests import CENSORED, _review_hours


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    cov = {
        "rate_gov": 0,
        "rate_ent": 0,
        "median": 0,
        "sigma": 0,
        "reject": 0,
        "auto": 0,
        "lognormal_first": 0,
    }
    est = {"median": [], "sigma": [], "rate_gov": []}
    tmp = Path(tempfile.mkdtemp())
    for seed in range(runs):
        frame, _ = requests_log(1000 + seed)
        p = tmp / "r.csv"
        frame.write_csv(p)
        f = fit_requests(p).fitted
        r = {x.kind: x for x in f.rates}
        cov["rate_gov"] += r["government"].ci[0] <= 30 <= r["government"].ci[1]
        cov["rate_ent"] += r["enterprise"].ci[0] <= 12 <= r["enterprise"].ci[1]
        b = next(x for x in f.review if x.family == "lognormal")
        cov["lognormal_first"] += f.review[0].family == "lognormal"
        cov["median"] += b.ci["median"][0] <= TRUTH.median_h <= b.ci["median"][1]
        cov["sigma"] += b.ci["sigma"][0] <= TRUTH.sigma <= b.ci["sigma"][1]
        cov["reject"] += f.reject.ci[0] <= TRUTH.reject <= f.reject.ci[1]
        cov["auto"] += f.auto.ci[0] <= TRUTH.auto <= f.auto.ci[1]
        est["median"].append(b.params["median"])
        est["sigma"].append(b.params["sigma"])
        est["rate_gov"].append(r["government"].per_workday)
    print(f"default synthetic log (TRUTH), {runs} seeds: coverage of 95% CIs")
    for k, v in cov.items():
        print(f"  {k}: {v / runs:.3f}")
    for k, v in est.items():
        print(f"  mean estimate {k}: {np.mean(v):.4g} (sd {np.std(v):.3g})")
    cens, naive, covm, frac = [], [], 0, []
    for seed in range(runs):
        frame, _ = requests_log(5000 + seed, CENSORED)
        p = tmp / "c.csv"
        frame.write_csv(p)
        done, open_ = _review_hours(p)
        fit = fit_family("lognormal", done, open_)
        cens.append(fit.params["median"])
        naive.append(naive_lognormal_median(done))
        covm += fit.ci["median"][0] <= CENSORED.median_h <= fit.ci["median"][1]
        frac.append(open_.size / (done.size + open_.size))
    print(
        f"censored log (CENSORED, median 13 h, sigma 1), {runs} seeds: open share {np.mean(frac):.3f}"
    )
    print(
        f"  censored MLE median: mean {np.mean(cens):.3f} (rel bias {np.mean(cens) / 13 - 1:+.3%}); CI coverage {covm / runs:.3f}"
    )
    print(
        f"  naive (drop open) median: mean {np.mean(naive):.3f} (rel bias {np.mean(naive) / 13 - 1:+.3%})"
    )


if __name__ == "__main__":
    main()
