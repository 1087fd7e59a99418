"""Recovery and 99 % CI coverage of `simdata fit --as enterprises` over synthetic logs drawn
by simdata's own enterprise model (tests/fit/enterprises_synthetic.py).

    .venv/bin/python -m bench.fit_enterprises_coverage [N]

Two worlds of N seeds each (default 200): scenarios/zhanjiang-baseline.yaml as shipped
(Poisson joins 4/month growing 5 %/month over 2024–2025) and the same with a Bass adoption
(p 0.02, q 0.3, market 200). Then one large sample (joins ×10) for the AIC ranking. Each log
goes through the CSV and `fit_enterprises`, as `simdata fit` reads it. The figures are in
docs/fit.md and /work/notes/fit-enterprises-statistics.md (issue 18, step 3).
"""
# ruff: noqa

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from simdata.experiments.fit import fit_enterprises
from tests.fit.enterprises_synthetic import (
    BASS,
    ranks_first,
    recovered,
    scenario,
    truth,
    write_log,
)


def world_table(name, world, n_seeds, folder):
    true = truth(world)
    rows = {key: [] for key in true}
    first: dict[str, list[bool]] = {}
    sizes = {}
    for seed in range(n_seeds):
        log = write_log(folder / f"log-{seed}.csv", seed, world)
        fitted = fit_enterprises(log, gof=False).fitted
        for key, value in recovered(fitted, world).items():
            rows[key].append(value)
        for key, value in ranks_first(fitted, world).items():
            first.setdefault(key, []).append(value)
        sizes.setdefault("joins", []).append(fitted.adoption[0].n)
        for key, text in fitted.samples.items():
            sizes.setdefault(key, []).append(int(text.split()[2]))
    tol = 0.99 - 2.58 * np.sqrt(0.0099 / n_seeds)
    print(f"\n## {name}: {n_seeds} logs; binomial tolerance {tol:.3f}")
    print("mean n per log: " + ", ".join(f"{k} {np.mean(v):.0f}" for k, v in sizes.items()))
    print("| parameter | true | mean fitted (sd) | 99 % CI coverage |")
    print("|---|---|---|---|")
    for key, values in rows.items():
        arr = np.array(values)
        cover = np.mean((arr[:, 1] <= true[key]) & (true[key] <= arr[:, 2]))
        flag = "" if cover >= tol else " *"
        print(
            f"| {key} | {true[key]:.4g} | {arr[:, 0].mean():.4g} ({arr[:, 0].std():.2g}) | {cover:.3f}{flag} |"
        )
    print(
        "true model/family first by AIC: "
        + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in first.items()),
        flush=True,
    )


def main() -> None:
    n_seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        world_table("zhanjiang-baseline (Poisson with growth)", scenario(), n_seeds, folder)
        world_table("Bass p 0.02, q 0.3, market 200", scenario(BASS), n_seeds, folder)
        big = scenario({"model": "poisson", "rate": "40/month", "growth": "5%/month"})
        world_table(
            "large: Poisson 40/month growing 5 %/month (≈ 1,800 enterprises)", big, 5, folder
        )
    print(f"\n{time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
