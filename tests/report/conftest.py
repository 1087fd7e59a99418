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
        extra={"scenario_name": f"fixture-{kind}", **extra},
    )
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture(scope="session")
def capacity_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capacity search: M/M/1-like latency rising with load, SLA p99 ≤ 100 ms."""
    out = tmp_path_factory.mktemp("reports") / "capacity"
    out.mkdir()
    rng = np.random.default_rng(1)
    rows = []
    for replication in range(4):
        for load in np.linspace(100, 900, 9):
            rho = load / 1000
            p50 = 0.001 / (1 - rho) * np.log(2) * rng.uniform(0.95, 1.05)
            p99 = 0.001 / (1 - rho) * np.log(100) * rng.uniform(0.95, 1.05)
            rows.append((replication, load, p50, p99, rho, 0.0))
    curve = pl.DataFrame(
        rows,
        schema=[
            "replication",
            "load_per_s",
            "latency_p50_s",
            "latency_p99_s",
            "utilisation",
            "failed_share",
        ],
        orient="row",
    )
    curve.write_parquet(out / "curve.parquet")
    capacity = {
        "capacity": 953.0,
        "ci_low": 948.0,
        "ci_high": 958.0,
        "capacity_conservative": 948.0,
        "sla": "p99<=100ms",
        "confidence": 0.95,
        "status": "found",
    }
    (out / "capacity.json").write_text(json.dumps(capacity), encoding="utf-8")
    _manifest(out, "capacity")
    return out


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep over two parameters (one inert) with Sobol and Morris indices."""
    out = tmp_path_factory.mktemp("reports") / "sweep"
    out.mkdir()
    rng = np.random.default_rng(2)
    kpi = "resolution.latency_p99"
    points = []
    for point in range(16):
        servers, rate = float(rng.integers(2, 9)), float(rng.uniform(100, 600))
        for replication in range(2):
            latency = 0.02 + rate / servers * 1e-4 + rng.normal(0, 1e-3)
            points.append((point, replication, servers, rate, latency))
    pl.DataFrame(
        points, schema=["point", "replication", "servers", "rate", kpi], orient="row"
    ).write_parquet(out / "points.parquet")
    indices = []
    for parameter, s1, st, mu in (("servers", 0.62, 0.7, 0.012), ("rate", 0.01, 0.02, 0.0004)):
        for index, value, conf in (
            ("S1", s1, 0.05),
            ("ST", st, 0.04),
            ("mu_star", mu, mu / 5),
            ("sigma", mu / 2, None),
        ):
            low = None if conf is None else value - conf
            high = None if conf is None else value + conf
            near = None if low is None or high is None else low <= 0 <= high
            indices.append((kpi, parameter, index, value, conf, low, high, near, 0.05))
    pl.DataFrame(
        indices,
        schema={
            "kpi": pl.String,
            "parameter": pl.String,
            "index": pl.String,
            "value": pl.Float64,
            "conf": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "near_zero": pl.Boolean,
            "noise_share": pl.Float64,
        },
        orient="row",
    ).write_parquet(out / "indices.parquet")
    design = {
        "name": "fixture",
        "method": "sobol",
        "kpis": [kpi],
        "parameters": [
            {"path": "resolution.servers", "name": "servers", "range": [2, 8]},
            {"path": "resolution.traffic.rate", "name": "rate", "range": [100, 600]},
        ],
    }
    (out / "design.yaml").write_text(yaml.safe_dump(design), encoding="utf-8")
    _manifest(out, "sweep", method="sobol")
    return out


@pytest.fixture(scope="session")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two variants against a base, three KPIs each."""
    out = tmp_path_factory.mktemp("reports") / "compare"
    out.mkdir()
    rows = [
        (
            "more-reviewers",
            "requests.within_sla_share@channel=sharing",
            0.04,
            0.03,
            0.05,
            "variant",
        ),
        ("more-reviewers", "requests.time_to_data_mean", -36e3, -40e3, -30e3, "variant"),
        ("more-reviewers", "reviewers.utilisation_mean", -0.05, -0.06, -0.04, "n/a"),
        (
            "agency-off",
            "requests.within_sla_share@channel=sharing",
            0.001,
            -0.002,
            0.004,
            "undecided",
        ),
        ("agency-off", "requests.time_to_data_mean", 5_000.0, 1_000.0, 9_000.0, "base"),
        ("agency-off", "reviewers.utilisation_mean", 0.0, -0.001, 0.001, "n/a"),
    ]
    pl.DataFrame(
        [(v, k, m, lo, hi, 10, 0.8, b) for v, k, m, lo, hi, b in rows],
        schema={
            "variant": pl.String,
            "kpi": pl.String,
            "diff_mean": pl.Float64,
            "diff_ci_low": pl.Float64,
            "diff_ci_high": pl.Float64,
            "n_pairs": pl.Int64,
            "variance_reduction": pl.Float64,
            "better": pl.String,
        },
        orient="row",
    ).write_parquet(out / "compare.parquet")
    _manifest(out, "compare")
    return out
