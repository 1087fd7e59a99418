"""Recovery of arrival rates and day-type factors by `simdata fit --as requests` (issue 18).

    .venv/bin/python -m bench.fit_day_counts [SEEDS]

Year-long synthetic logs (2025, with five 调休 make-up days and the statutory holidays;
tests/fit/day_synthetic.py): government 30/regular workday, Poisson; enterprise 12, NB2 with
α = 0.1; first workday after a break ×1.3, make-up workday ×0.7. For each seed the count
regression is fitted per kind; the table gives the mean estimate, its sd, the 95 % CI
coverage, and how often the negative binomial was chosen. For comparison the Poisson CI
(what one would report without the overdispersion test) and the t-interval over daily
counts (the previous method). Figures are in docs/fit.md.
"""
# ruff: noqa

import sys

import numpy as np

from simdata.experiments.fit.counts import log_workdays, rate_per_workday, workday_index
from simdata.experiments.fit.day_counts import _fit, _design, day_types, count_model
from tests.fit.day_synthetic import DayTruth, calendar_of, day_arrivals, expected_rate


def main() -> None:
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    truth = DayTruth()
    calendar = calendar_of(truth)
    types = day_types(calendar, log_workdays(calendar))
    print({t: types.count(t) for t in set(types)})
    tol = 0.95 - 2.58 * np.sqrt(0.0475 / seeds)
    print(f"{seeds} seeds; coverage tolerance {tol:.3f}")
    rows = {}
    for seed in range(seeds):
        t, kinds = day_arrivals(seed, truth)
        index, workdays = workday_index(calendar, t)
        kinds = np.array(kinds)
        for kind in truth.rates:
            fit = rate_per_workday(kind, index[kinds == kind], workdays, types)
            model = fit.model
            true_rate = expected_rate(truth, kind)
            r = rows.setdefault(kind, {k: [] for k in "rate rc ab abc mk mkc nb pc tc".split()})
            r["rate"].append(fit.per_workday)
            r["rc"].append(fit.ci[0] <= true_rate <= fit.ci[1])
            effects = {e.day_type: e for e in model.effects}
            for key, name in (("ab", "after_break"), ("mk", "makeup")):
                e = effects[name]
                r[key].append(e.factor)
                r[key + "c"].append(e.ci[0] <= truth.factors[name] <= e.ci[1])
            r["nb"].append(model.family == "negative_binomial")
            counts = np.bincount(
                index[(kinds == kind) & (index >= 0)].astype(int), minlength=workdays
            ).astype(float)
            x, _ = _design(counts, types)
            params, cov, _ = _fit(counts, x, negative=False)
            mu = np.exp(x @ params)
            g = (mu[:, None] * x).mean(axis=0)
            se = np.sqrt(g @ cov @ g) / mu.mean()
            r["pc"].append(
                mu.mean() * np.exp(-1.96 * se) <= true_rate <= mu.mean() * np.exp(1.96 * se)
            )
            half = 1.96 * counts.std(ddof=1) / np.sqrt(counts.size)  # ~t at 247 df
            r["tc"].append(abs(counts.mean() - true_rate) <= half)
    print("| kind | parameter | true | mean fitted (sd) | 95 % CI coverage |")
    print("|---|---|---|---|---|")
    for kind, r in rows.items():
        true_rate = expected_rate(truth, kind)
        a = np.array
        print(
            f"| {kind} | rate (mean over workdays) | {true_rate:.3f} | {a(r['rate']).mean():.3f} ({a(r['rate']).std():.3f}) | {a(r['rc']).mean():.3f} |"
        )
        print(
            f"| {kind} | after_break factor | 1.3 | {a(r['ab']).mean():.3f} ({a(r['ab']).std():.3f}) | {a(r['abc']).mean():.3f} |"
        )
        print(
            f"| {kind} | makeup factor | 0.7 | {a(r['mk']).mean():.3f} ({a(r['mk']).std():.3f}) | {a(r['mkc']).mean():.3f} |"
        )
        print(f"| {kind} | negative binomial chosen | | {a(r['nb']).mean():.3f} | |")
        print(f"| {kind} | rate CI of the Poisson model alone | | | {a(r['pc']).mean():.3f} |")
        print(f"| {kind} | rate CI t over daily counts (before) | | | {a(r['tc']).mean():.3f} |")


if __name__ == "__main__":
    main()
