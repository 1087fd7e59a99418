"""Results directories of every kind for the report tests, built once per session.

Runs are real (short scenarios through ``simdata.run``); capacity, sweep and compare
directories are written directly in their documented formats with small plausible data,
so these tests do not depend on the experiments' code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

import simdata
from simdata.experiments.capacity import CURVE_SCHEMA
from simdata.experiments.compare import COMPARE_SCHEMA
from simdata.experiments.sweep import INDEX_SCHEMA
from simdata.results import manifest, utc_now
from tests.conftest import SCENARIOS

XSS_NAME = "<script>alert(1)</script>"
XSS_DESCRIPTION = "<img src=x onerror=alert(2)>"


def _run(scenario: Path, out: Path, overrides: list[str]) -> Path:
    simdata.run(simdata.load_scenario(scenario, overrides), out=out)
    return out


@pytest.fixture(scope="session")
def identifier_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Zhanjiang's identifier economy over half a year, 3 replications."""
    out = tmp_path_factory.mktemp("reports") / "identifier-run"
    overrides = [
        "run.replications=3",
        "run.end_date=2024-09-30",
        "subsidy.deadline=2024-09-30",
        "enterprises.adoption.rate=3/week",
    ]
    return _run(SCENARIOS / "zhanjiang-baseline.yaml", out, overrides)


@pytest.fixture(scope="session")
def public_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fujian public-data sharing over a quarter, 3 replications."""
    out = tmp_path_factory.mktemp("reports") / "public-run"
    overrides = ["run.replications=3", "run.end_date=2026-03-31", "run.warmup=1 month"]
    return _run(SCENARIOS / "fujian-public-data.yaml", out, overrides)


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small node whose name and description are HTML that must show as text."""
    root = tmp_path_factory.mktemp("reports")
    scenario = root / "hostile.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "name": XSS_NAME,
                "description": XSS_DESCRIPTION,
                "run": {"horizon": "3000 s", "warmup": "300 s", "replications": 3, "seed": 5},
                "resolution": {
                    "servers": 2,
                    "service_time": {"dist": "exponential", "mean": "0.2 s"},
                    "traffic": {"rate": "8/s"},
                    "sla": "p99<=2s",
                },
                "targets": [{"kpi": "resolution.wait_mean", "<=": "0.5 s"}],
            }
        ),
        encoding="utf-8",
    )
    return _run(scenario, root / "hostile-run", [])


def _manifest(out: Path, kind: str, **extra: object) -> None:
    now = utc_now()
    data = manifest(
        kind=kind,
        status="complete",
        argv=["simdata", kind],
        started=now,
        finished=now,
        scenario_sha256="0" * 64,
        root_seed=11,
        replications=4,
        warnings=[],
        failures=[],
        extra={"scenario_name": f"fixture-{kind}", **extra} if kind != "compare" else extra,
    )
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


#: The capacity fixture: each replication's capacity; the grid is around their mean.
CAPACITIES = (880.0, 930.0, 975.0, 1027.0)
CAPACITY_GRID = (0.4, 0.6, 0.8, 0.9, 1.0, 1.1)


@pytest.fixture(scope="session")
def capacity_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capacity search as ``simdata capacity`` writes it, SLA p99 ≤ 100 ms.

    Per replication, the loads its own bisection visited (unique to it) plus the common
    grid of multiples of the mean capacity that every replication evaluates; latency of an
    M/M/1-like node whose p99 reaches 100 ms at that replication's capacity.
    """
    out = tmp_path_factory.mktemp("reports") / "capacity"
    out.mkdir()
    rng = np.random.default_rng(1)
    mean_capacity = float(np.mean(CAPACITIES))
    rows = []
    for replication, own in enumerate(CAPACITIES):
        service_rate = own + np.log(100) / 0.1  # p99 = ln(100) / (μ − λ) = 100 ms at `own`
        bisection = [own * (1 + d) for d in (-0.5, 0.25, -0.12, 0.06, -0.03, 0.015, -0.007)]
        grid = [factor * mean_capacity for factor in CAPACITY_GRID]
        for load in sorted(bisection + grid):
            slack = max(service_rate - load, 1.0)
            p50 = min(np.log(2) / slack * rng.uniform(0.97, 1.03), 2.0)
            p99 = min(np.log(100) / slack * rng.uniform(0.97, 1.03), 2.0)
            share = 1 - np.exp(-slack * 0.1)
            rows.append(
                (
                    replication,
                    load,
                    load * 2.2,
                    p50,
                    p99,
                    share,
                    load / service_rate,
                    0.0,
                    p99 <= 0.1,
                )
            )
    curve = pl.DataFrame(
        rows,
        schema=CURVE_SCHEMA,
        orient="row",
    )
    curve.write_parquet(out / "curve.parquet")
    capacity = {
        "capacity": 953.0,
        "ci_low": 860.0,
        "ci_high": 1046.0,
        "capacity_conservative": 880.0,
        "sla": "p99<=100ms",
        "confidence": 0.95,
        "status": "found",
    }
    (out / "capacity.json").write_text(json.dumps(capacity), encoding="utf-8")
    _manifest(out, "capacity")
    return out


#: The sweep fixtures' KPIs and their replication-noise shares (the second one noisy).
SWEEP_NOISE = {"resolution.latency_p99": 0.05, "resolution.wait_mean": 0.72}
SWEEP_PARAMETERS = (("servers", 0.62, 0.7, 0.012), ("rate", 0.01, 0.02, 0.0004))


def _sweep(out: Path, method: str) -> Path:
    """A two-parameter sweep (``rate`` inert) over two KPIs, as ``simdata sweep`` writes it.

    A real sweep has one method: Sobol writes S1/ST, Morris mu_star/mu/sigma.
    """
    out.mkdir()
    rng = np.random.default_rng(2)
    kpis = list(SWEEP_NOISE)
    points = []
    for point in range(16):
        servers, rate = float(rng.integers(2, 9)), float(rng.uniform(100, 600))
        for replication in range(2):
            latency = 0.02 + rate / servers * 1e-4 + rng.normal(0, 1e-3)
            wait = 0.004 + rate / servers * 1e-5 + rng.normal(0, 2e-3)
            points.append((point, replication, servers, rate, latency, wait))
    pl.DataFrame(
        points, schema=["point", "replication", "servers", "rate", *kpis], orient="row"
    ).write_parquet(out / "points.parquet")
    if method == "morris":
        indices_of = (("mu_star", 1.0, 0.2), ("mu", 0.9, None), ("sigma", 0.5, None))
    else:
        indices_of = (("S1", 1.0, 0.05), ("ST", 1.1, 0.04))
    indices = []
    for kpi, scale in zip(kpis, (1.0, 0.1), strict=True):
        for parameter, s1, _, mu in SWEEP_PARAMETERS:
            base = mu * scale if method == "morris" else s1
            for index, factor, conf in indices_of:
                value = base * factor
                conf = None if conf is None else (value / 5 if method == "morris" else conf)
                low = None if conf is None else value - conf
                high = None if conf is None else value + conf
                near = None if low is None or high is None else low <= 0 <= high
                indices.append(
                    (kpi, parameter, index, value, conf, low, high, near, SWEEP_NOISE[kpi])
                )
    pl.DataFrame(
        indices,
        schema=INDEX_SCHEMA,
        orient="row",
    ).write_parquet(out / "indices.parquet")
    design = {
        "name": f"fixture-{method}",
        "method": method,
        "kpis": kpis,
        "parameters": [
            {"path": "resolution.servers", "name": "servers", "range": [2, 8]},
            {"path": "resolution.traffic.rate", "name": "rate", "range": [100, 600]},
        ],
    }
    (out / "design.yaml").write_text(yaml.safe_dump(design), encoding="utf-8")
    _manifest(out, "sweep", method=method, noise_share=SWEEP_NOISE)
    return out


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Sobol sweep over two parameters (one inert) and two KPIs."""
    return _sweep(tmp_path_factory.mktemp("reports") / "sweep", "sobol")


@pytest.fixture(scope="session")
def morris_sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Morris sweep over the same parameters and KPIs."""
    return _sweep(tmp_path_factory.mktemp("reports") / "morris-sweep", "morris")


@pytest.fixture(scope="session")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two variants against a base, three KPIs each."""
    out = tmp_path_factory.mktemp("reports") / "compare"
    out.mkdir()
    # (variant, kpi, mean, CI low, CI high, better, p, p_holm, in_family, conditional): a
    # breakdown outside the family, a conditional KPI and one with no better direction.
    share = "requests.within_sla_share@channel=sharing"
    ttd = "requests.time_to_data_mean"
    util = "reviewers.utilisation_mean"
    rows = [
        ("more-reviewers", share, 0.04, 0.03, 0.05, None, 1e-4, None, False, False),
        ("more-reviewers", ttd, -36e3, -40e3, -30e3, None, 1e-5, None, False, True),
        ("more-reviewers", util, -0.05, -0.06, -0.04, "n/a", 1e-6, None, False, False),
        ("more-reviewers", "requests.backlog_count", -4.0, -6.0, -2.0, "variant", 1e-4, 2e-4,
         True, False),
        ("agency-off", share, 0.001, -0.002, 0.004, None, 0.5, None, False, False),
        ("agency-off", ttd, 5_000.0, 1_000.0, 9_000.0, None, 0.02, None, False, True),
        ("agency-off", util, 0.0, -0.001, 0.001, "n/a", 1.0, None, False, False),
        ("agency-off", "requests.backlog_count", 1.0, -1.0, 3.0, "undecided", 0.3, 0.3,
         True, False),
    ]  # fmt: skip
    pl.DataFrame(
        [
            # The backlog is targeted (≤ 50), and the base fails it: base → variant verdicts.
            (v, k, m, lo, hi, 10, 0.8, b, "paired t", p, ph, fam, cond,
             *(("<= 50", "fail", "pass" if v == "more-reviewers" else "fail")
               if k == "requests.backlog_count" else (None, None, None)))
            for v, k, m, lo, hi, b, p, ph, fam, cond in rows
        ],
        schema=COMPARE_SCHEMA,
        orient="row",
    ).write_parquet(out / "compare.parquet")  # fmt: skip
    # A compare manifest names its runs (no scenario_name of its own), as compare() writes it.
    base = {"path": str(out / "base"), "scenario_name": "fixture-compare"}
    _manifest(out, "compare", base=base, variants=[])
    return out
