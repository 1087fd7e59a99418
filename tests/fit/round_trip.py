"""The round trip of issue 18: simulate → ``simdata export --logs`` → ``simdata fit`` → compare.

The scenario is Fujian's public data over the first half of 2026 with its parameters made
identifiable from a log: no growth (a fitted rate is the log's mean, so a growing rate has
no single true value) and 10 % auto-approval (so that share is not trivially 0). True
values: rates 30, 12.5, 5 and 2.5 per workday; review time lognormal with median 2 h and
cv 1 (σ = √ln 2 ≈ 0.8326); reject probability 0.15; auto-approval share 0.10. Each seed is
one ``simdata run`` (one replication at that root seed), its logs exported and fitted
through the CLI, and every true value checked against its 99 % CI (:mod:`fitted_ci`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from simdata.cli import cli
from tests.conftest import SCENARIOS
from tests.fit.fitted_ci import first_family, log_wald, wilson99

SCENARIO = f"""\
extends: {SCENARIOS / "fujian-public-data.yaml"}
name: fujian-round-trip
run: {{end_date: 2026-06-30, replications: 1}}
requesters:
  groups:
    - {{name: government, kind: government, rate: 30/workday, channel: sharing}}
    - {{name: enterprises, kind: enterprise, rate: 12.5/workday,
        channel_mix: {{opening: 97%, development: 3%}}, patience: 60 d}}
    - {{name: research, kind: research, rate: 5/workday,
        channel_mix: {{opening: 95%, development: 5%}}}}
    - {{name: social, kind: social, rate: 2.5/workday, channel: opening, patience: 30 d}}
policy: {{auto_approval_share: 10%}}
"""
RATES = {"government": 30.0, "enterprises": 12.5, "research": 5.0, "social": 2.5}
TRUE = {
    **{f"rate {name}": rate for name, rate in RATES.items()},
    "review median h": 2.0,
    "review sigma": math.sqrt(math.log(2.0)),
    "reject_probability": 0.15,
    "auto_approval_share": 0.10,
}


def tolerance(n: int) -> float:
    """Lowest coverage a 99 % CI may show over ``n`` checks (binomial, z 2.58)."""
    return 0.99 - 2.58 * math.sqrt(0.0099 / n)


def invoke(*args: str | os.PathLike[str]) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@dataclass
class Trip:
    """One seed's round trip: each parameter's 99 % CI, and the review time's best family."""

    seed: int
    cis: dict[str, tuple[float, float]] = field(default_factory=dict)
    family: str = ""
    fitted: Path | None = None

    @property
    def covered(self) -> dict[str, bool]:
        truth = {**TRUE, **NODE_TRUE}
        return {k: low <= truth[k] <= high for k, (low, high) in self.cis.items()}


def round_trip(seed: int, folder: Path) -> Trip:
    """Run the scenario at root seed ``seed``, export its logs, fit them, read the CIs."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "scenario.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    run = folder / "run"
    invoke("run", scenario, "--seed", str(seed), "--out", run, "--quiet")
    invoke("export", run, "--logs")
    fitted = folder / "fitted.yaml"
    invoke(
        "fit", run / "logs" / "requests.csv", "--as", "requests", "--base", scenario,
        "--out", fitted,
    )  # fmt: skip
    text = fitted.read_text(encoding="utf-8")
    trip = Trip(seed, fitted=fitted, family=first_family(text, "review_effort:"))
    for name in RATES:
        trip.cis[f"rate {name}"] = log_wald(text, f"name: {name},")
    trip.cis["review median h"] = log_wald(text, "review_effort:", "median")
    trip.cis["review sigma"] = log_wald(text, "review_effort:", "sigma")
    trip.cis["reject_probability"] = wilson99(text, "reject_probability:")
    trip.cis["auto_approval_share"] = wilson99(text, "auto_approval_share:")
    return trip


#: The node's round trip: scenarios/node-baseline.yaml over two weeks from Monday
#: 2026-03-02 at 0.05/s on weekdays (weekend factor 0.4), an 80 % cache with lognormal hits
#: (median 1 ms, σ 0.3), lognormal service (median 5 ms, σ 0.8), a 30 ms timeout.
NODE_SETS = (
    "run.start_date=2026-03-02",
    "run.horizon=14 d",
    "run.warmup=0 s",
    "run.replications=1",
    "resolution.traffic.rate=0.05/s",
    "resolution.traffic.weekend_factor=0.4",
    "resolution.cache={hit_ratio: 80%, hit_time: {dist: lognormal, median: 1 ms, sigma: 0.3}}",
    "resolution.service_time={dist: lognormal, median: 5 ms, sigma: 0.8}",
    "resolution.timeout=30 ms",
    "resolution.engine=event",
)
NODE_TRUE = {
    "rate /s": 0.05,
    "hit_ratio": 0.8,
    "hit median ms": 1.0,
    "hit sigma": 0.3,
    "service median ms": 5.0,
    "service sigma": 0.8,
}


def node_round_trip(seed: int, folder: Path) -> Trip:
    """The node's round trip at root seed ``seed`` (rate: t over 10 weekdays, df 9)."""
    from tests.fit.fitted_ci import t_linear

    run = folder / "run"
    sets = [arg for text in NODE_SETS for arg in ("--set", text)]
    invoke("run", SCENARIOS / "node-baseline.yaml", *sets, "--seed", str(seed), "--out", run,
           "--quiet")  # fmt: skip
    invoke("export", run, "--logs")
    fitted = folder / "fitted.yaml"
    invoke("fit", run / "logs" / "node.csv", "--as", "node", "--out", fitted)
    text = fitted.read_text(encoding="utf-8")
    trip = Trip(seed, fitted=fitted, family=first_family(text, "service_time:"))
    trip.cis["rate /s"] = t_linear(text, "rate:", 9)
    trip.cis["hit_ratio"] = wilson99(text, "hit_ratio:")
    trip.cis["hit median ms"] = log_wald(text, "hit_time:", "median")
    trip.cis["hit sigma"] = log_wald(text, "hit_time:", "sigma")
    trip.cis["service median ms"] = log_wald(text, "service_time:", "median")
    trip.cis["service sigma"] = log_wald(text, "service_time:", "sigma")
    return trip
