"""SALib wiring on the Ishigami function, through the sweep machinery (Python API)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from simdata.experiments.sweep import design_from_data, sweep

A, B = 7.0, 0.1
#: Analytic indices of Ishigami (a = 7, b = 0.1): Saltelli et al. (2008), §4.
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(values: dict[str, float], replication: int) -> dict[str, float]:
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    return {"y": math.sin(x1) + A * math.sin(x2) ** 2 + B * x3**4 * math.sin(x1)}


def _design(method: str, samples: int, replications: int = 1) -> dict[str, object]:
    return {
        "name": "ishigami",
        "method": method,
        "samples": samples,
        "replications": replications,
        "calc_second_order": False,
        "kpis": ["y"],
        "parameters": [{"path": f"x{i}", "range": [-math.pi, math.pi]} for i in (1, 2, 3)],
    }


@pytest.mark.validation
def test_sobol_indices_match_the_analytic_ishigami_values() -> None:
    """At N = 1024 without second order, every S1 and ST is within 0.05 of the analytic value."""
    result = sweep(None, design_from_data(_design("sobol", 1024)), evaluator=ishigami)
    assert result.points.height == 1024 * (3 + 1 + 2)  # three levers and the noise lever
    indices = {(r["index"], r["parameter"]): r for r in result.indices.iter_rows(named=True)}
    for name, expected in S1.items():
        assert abs(indices["S1", name]["value"] - expected) <= 0.05
    for name, expected in ST.items():
        assert abs(indices["ST", name]["value"] - expected) <= 0.05
    # x3 acts only through its interaction with x1: its first-order CI spans 0.
    assert indices["S1", "x3"]["near_zero"] is True
    assert indices["ST", "x3"]["near_zero"] is False


@pytest.mark.validation
def test_fast_indices_match_the_analytic_ishigami_values() -> None:
    """eFAST through the same machinery finds the same indices (looser: 0.1)."""
    result = sweep(None, design_from_data(_design("fast", 1000)), evaluator=ishigami)
    found = {(r["index"], r["parameter"]): r["value"] for r in result.indices.iter_rows(named=True)}
    for name, expected in S1.items():
        assert abs(found["S1", name] - expected) <= 0.1
    for name, expected in ST.items():
        assert abs(found["ST", name] - expected) <= 0.1


@pytest.mark.unit
def test_morris_ranks_x3_below_x1_and_x2_and_noise_free_replications_have_zero_noise() -> None:
    """Morris μ*: x1 and x2 matter more than x3 alone; identical replications → noise share 0."""
    result = sweep(
        None, design_from_data(_design("morris", 40, replications=2)), evaluator=ishigami
    )
    mu_star = {
        r["parameter"]: r["value"]
        for r in result.indices.iter_rows(named=True)
        if r["index"] == "mu_star"
    }
    assert mu_star["x2"] > mu_star["x3"]
    assert mu_star["x1"] > mu_star["x3"]
    assert result.noise["y"] == 0.0
    assert np.all(
        result.points.filter(result.points["replication"] == 0)["y"].to_numpy()
        == result.points.filter(result.points["replication"] == 1)["y"].to_numpy()
    )


@pytest.mark.unit
@pytest.mark.parametrize(("effect_sd", "expected"), [(1.0, 0.5), (2.0, 0.2), (0.0, 1.0)])
def test_noise_share_recovers_a_known_noise_variance_share(
    effect_sd: float, expected: float
) -> None:
    """Point effects ~ N(0, s²) plus independent noise ~ N(0, 1) per replication: the noise
    share estimates 1/(1 + s²) (0.5, 0.2, and 1 for pure noise) at r = 2 — the old ratio of
    sums of squares gave (r − 1)/r = 0.5 for pure noise."""
    from simdata.experiments.sweep.runner import _noise_share

    rng = np.random.default_rng(12)
    shares = []
    for _ in range(20):
        values = effect_sd * rng.standard_normal((400, 1)) + rng.standard_normal((400, 2))
        shares.append(_noise_share(values))
    assert np.mean(shares) == pytest.approx(expected, abs=0.03)


@pytest.mark.unit
def test_noise_share_is_the_within_point_share_of_the_variance() -> None:
    """An evaluator with replication noise only: the noise share is about 1."""

    def noisy(values: dict[str, float], replication: int) -> dict[str, float]:
        return {"y": 0.001 * values["x1"] + (1.0 if replication % 2 else -1.0)}

    result = sweep(None, design_from_data(_design("lhs", 64, replications=2)), evaluator=noisy)
    assert result.noise["y"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.unit
def test_an_interrupted_sweep_keeps_its_finished_points(tmp_path: Path) -> None:
    """Ctrl-C mid-sweep: points.parquet holds the finished runs, the manifest says interrupted."""
    calls = []

    def stops(values: dict[str, float], replication: int) -> dict[str, float]:
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(replication)
        return ishigami(values, replication)

    with pytest.raises(KeyboardInterrupt):
        sweep(None, design_from_data(_design("lhs", 8)), evaluator=stops, out=tmp_path / "s")
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert (manifest["status"], manifest["runs_done"], manifest["runs"]) == ("interrupted", 5, 8)
    points = pl.read_parquet(tmp_path / "s" / "points.parquet")
    assert points["y"].is_nan().sum() == 3
    assert not (tmp_path / "s" / "indices.parquet").exists()
