"""The noise lever (issue 12 §5): a dummy in every SALib design, the reference for "≈ 0"."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.engine.streams import substream_seed
from simdata.experiments.sweep import design_from_data, plan_sweep, sweep
from simdata.experiments.sweep.methods import METHODS, NOISE_LEVER
from simdata.experiments.sweep.noise import noise_draw
from simdata.experiments.sweep.points import scenario_data
from simdata.experiments.sweep.runner import NOISE_SEED
from tests.conftest import MMC_TEXT

#: Replication noise of the toy (the issue's case: μ* of an inert lever 0.24 against 1).
NOISE_SD = 0.2


def toy(values: dict[str, float], replication: int) -> dict[str, float]:
    """y = real + noise; ``inert`` does nothing but pick which random numbers are drawn."""
    seed = substream_seed(int(values[NOISE_SEED]), noise_draw(values["inert"]))
    rng = np.random.default_rng([seed, replication])
    return {"y": values["real"] + NOISE_SD * float(rng.standard_normal())}


def _design(method: str, seed: int, samples: int) -> dict[str, object]:
    """The shipped designs' sizes: Morris r = 10, p = 4; Sobol' N = 16; 2 replications."""
    return {
        "method": method,
        "samples": samples,
        "levels": 4,
        "replications": 2,
        "sampler_seed": seed,
        "kpis": ["y"],
        "parameters": [{"path": "real", "range": [0, 1]}, {"path": "inert", "range": [0, 1]}],
    }


SHIPPED = {"morris": ("mu_star", 10), "sobol": ("ST", 16)}


def _judged(method: str, seed: int, samples: int | None = None) -> dict[str, dict[str, object]]:
    index, shipped = SHIPPED[method]
    samples = shipped if samples is None else samples
    result = sweep(None, design_from_data(_design(method, seed, samples)), evaluator=toy)
    rows = result.indices.filter(pl.col("index") == index)
    return {str(row["parameter"]): row for row in rows.iter_rows(named=True)}


@pytest.mark.parametrize("method", ["lhs", "morris", "sobol", "fast"])
def test_every_salib_design_has_the_noise_lever_in_its_tables(method: str) -> None:
    """Morris, Sobol' and eFAST sample the noise lever and report its indices; LHS does not."""
    samples = {"lhs": 64, "morris": 4, "sobol": 8, "fast": 65}[method]
    result = sweep(None, design_from_data(_design(method, 1, samples)), evaluator=toy)
    has = METHODS[method].noise_lever
    assert has == (method != "lhs")
    assert (NOISE_LEVER in result.points.columns) is has
    noise_rows = result.indices.filter(pl.col("parameter") == NOISE_LEVER)
    assert (noise_rows.height > 0) is has
    # The noise lever is the reference, never judged itself.
    assert noise_rows["near_zero"].null_count() == noise_rows.height


def test_a_design_parameter_cannot_take_the_noise_levers_name() -> None:
    """A parameter named (noise) would overwrite the noise lever's column: refused."""
    data = _design("morris", 1, 4)
    data["parameters"] = [{"path": "real", "name": NOISE_LEVER, "range": [0, 1]}]
    refused = r"other than point, replication, \(noise\)"
    with pytest.raises(simdata.errors.ScenarioError, match=refused):
        design_from_data(data)


def test_moving_the_noise_lever_redraws_the_random_numbers_and_nothing_else(
    write_scenario: Callable[[str, str], Path],
) -> None:
    """Along a Morris trajectory: a noise-lever step keeps the scenario and changes the
    substream (new arrivals); a servers step keeps the substream (identical arrivals)."""
    scenario = simdata.load_scenario(write_scenario(MMC_TEXT, "mmc.yaml"))
    design = {
        "method": "morris",
        "samples": 4,
        "levels": 4,
        "replications": 2,
        "kpis": ["resolution.arrivals_count", "resolution.wait_mean"],
        "parameters": [{"path": "resolution.servers", "name": "servers", "levels": [3, 4]}],
    }
    plan = plan_sweep(scenario, design_from_data(design))
    assert plan.scenarios is not None
    result = sweep(scenario, plan)
    arrivals = (
        result.points.sort("point", "replication")["resolution.arrivals_count"]
        .to_numpy()
        .reshape(plan.points, 2)
    )
    steps = {"noise": 0, "servers": 0}
    for point in range(1, plan.points):
        if point % 3 == 0:  # a new trajectory (2 levers + 1 points each)
            continue
        before, after = plan.values[point - 1], plan.values[point]
        same_scenario = scenario_data(plan.scenarios[point - 1]) == scenario_data(
            plan.scenarios[point]
        )
        same_seed = plan.point_seed(point - 1) == plan.point_seed(point)
        if before[NOISE_LEVER] != after[NOISE_LEVER]:
            steps["noise"] += 1
            assert same_scenario
            assert not same_seed
            # Every replication of the point is re-drawn, each on its own stream.
            assert np.all(arrivals[point - 1] != arrivals[point])
            assert arrivals[point, 0] != arrivals[point, 1]
        elif before["servers"] != after["servers"]:
            steps["servers"] += 1
            assert not same_scenario
            assert same_seed
            assert np.array_equal(arrivals[point - 1], arrivals[point])
    assert steps["noise"] >= 3
    assert steps["servers"] >= 1


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_an_inert_lever_that_redraws_noise_is_near_zero_and_the_real_one_is_not(
    method: str,
) -> None:
    """On a seeded toy (Morris at the shipped size, Sobol' at N = 64: at N = 16 its CIs are
    too wide to separate a real lever in 14.5 % of runs), the inert lever's index is
    noise-sized, not above the noise lever's (≈ 0), and the real lever's is far above it."""
    rows = _judged(method, 3, 64 if method == "sobol" else None)
    assert rows["inert"]["near_zero"] is True
    assert rows["real"]["near_zero"] is False
    assert rows[NOISE_LEVER]["near_zero"] is None
    assert float(str(rows["inert"]["value"])) > 0.05  # the inert lever does show noise


@pytest.mark.slow
@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_false_flag_rate_of_an_inert_lever_stays_near_five_percent(method: str) -> None:
    """Over 60 seeds at the shipped sizes the inert lever is flagged as mattering at most
    7 times (5 % + 2.58 binomial standard errors at N = 60; measured over 400 seeds:
    Morris 5.25 %, Sobol' 3.25 %) and the real lever, with Morris, never marked ≈ 0."""
    runs = 60
    flagged = real_missed = 0
    for seed in range(runs):
        rows = _judged(method, 1000 + seed)
        flagged += rows["inert"]["near_zero"] is False
        real_missed += rows["real"]["near_zero"] is True
    bound = 0.05 + 2.58 * math.sqrt(0.05 * 0.95 / runs)
    assert flagged <= bound * runs, flagged
    assert real_missed <= (0 if method == "morris" else 0.25 * runs), real_missed


def test_cli_sweep_shows_the_noise_lever_and_what_near_zero_means(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """The terminal table has a (noise) row and says ≈ 0 is judged against it."""
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    design = write_scenario(
        "method: morris\nsamples: 3\nlevels: 4\nreplications: 2\n"
        "kpis: [resolution.wait_mean]\n"
        "parameters:\n  - {path: resolution.servers, name: servers, levels: [3, 4]}\n",
        "morris.yaml",
    )
    out = tmp_path / "o"
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert NOISE_LEVER in result.output
    assert "not above (noise)" in " ".join(result.output.split())
    indices = pl.read_parquet(out / "indices.parquet")
    assert NOISE_LEVER in indices["parameter"].to_list()
    assert NOISE_LEVER in pl.read_parquet(out / "points.parquet").columns
