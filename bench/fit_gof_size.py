"""Size and power of the goodness-of-fit tests of `simdata fit` (issue 18).

    .venv/bin/python -m bench.fit_gof_size [SAMPLES [CENSORING ...]]

CENSORING: none, uniform, timeout (default all three).

For each design, SAMPLES independent samples (default 200) are drawn and tested at the 5 %
level: "size" rows draw from the tested family (the rejection rate should be ≈ 0.05, within
the binomial tolerance 0.05 + 2.58·√(0.0475/SAMPLES)); "power" rows draw from another family.
Uncensored samples go through ``scipy.stats.goodness_of_fit``; censored ones (independent
uniform censoring, 11–23 % censored, and a fixed timeout at 15) through our bootstrap of A²
against Kaplan–Meier. The figures are in docs/fit.md.
"""
# ruff: noqa

import sys
import time
import zlib

import numpy as np

from simdata.experiments.fit.goodness import goodness_of_fit


def lognormal(rng, n):
    return rng.lognormal(np.log(6.0), 1.2, n)


def gamma(rng, n):
    return rng.gamma(2.0, 3.0, n)


def exponential(rng, n):
    return rng.exponential(6.0, n)


def weibull(rng, n):
    return 6.0 * rng.weibull(1.5, n)


#: (label, draw, tested family)
DESIGNS = [
    ("size", lognormal, "lognormal"),
    ("size", gamma, "gamma"),
    ("size", exponential, "exponential"),
    ("power", gamma, "lognormal"),
    ("power", lognormal, "gamma"),
    ("power", weibull, "lognormal"),
    ("power", weibull, "gamma"),
    ("power", gamma, "exponential"),
]
#: Censoring: none, uniform over (0, 8.8 × the sample median): 11–23 %, or a timeout at 15.
CENSORING = ("none", "uniform", "timeout")


def censor(rng, x, how):
    if how == "none":
        return x, np.empty(0)
    if how == "uniform":
        c = rng.uniform(0, 4 * np.median(x) * 2.2, x.size)
    else:
        c = np.full(x.size, 15.0)
    return x[x <= c], c[x > c]


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    tol = 0.05 + 2.58 * np.sqrt(0.0475 / samples)
    print(f"{samples} samples per row; size tolerance {tol:.3f}")
    print("| censoring | n | data | tested as | rejection rate at 5 % | censored share | s/test |")
    print("|---|---|---|---|---|---|---|")
    for how in sys.argv[2:] or CENSORING:
        for n in (100, 500):
            for label, draw, family in DESIGNS:
                rng = np.random.default_rng(zlib.crc32(f"{how}{n}{draw.__name__}{family}".encode()))
                rejected, share, start = 0, 0.0, time.time()
                for i in range(samples):
                    done, open_ = censor(rng, draw(rng, n), how)
                    result = goodness_of_fit(family, done, open_, seed=i)
                    rejected += result.p_value <= 0.05
                    share += open_.size / n
                took = (time.time() - start) / samples
                print(
                    f"| {how} | {n} | {draw.__name__} | {family} ({label}) | "
                    f"{rejected / samples:.3f} | {share / samples:.2f} | {took:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
