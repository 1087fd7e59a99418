"""The round trip of issue 18 to its end: simulate → export → fit → run the fit → backtest.

A first run of Fujian's public data (January–March 2026, one replication) plays the
planner's world: ``simdata export --logs`` writes its request log, and its own monthly
KPIs — the first replication's values per month, as ``examples/make_observed.py`` makes
``examples/data/observed-fujian.csv`` — are what the planner observed. ``simdata fit``
turns the log into a scenario extending the first run's, ``simdata run`` runs that fitted
scenario (other seed, 6 replications) and ``simdata backtest`` confronts it with the
observations: a model fitted to the world's own log must be judged "consistent" on every
KPI (12 other pairs of seeds, worlds 1001–1012 judged by fitted runs 1–12: all 5 KPIs
consistent in 12 of 12). The control: the same observations against the fitted scenario
with every rate doubled are "model too high" on arrivals. All through the CLI on real
files (fixed seeds).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.experiments.backtest.observe import observed_csv
from tests.conftest import SCENARIOS

#: The world: Fujian's shipped scenario over a quarter, a short warm-up, one replication.
WORLD = f"""\
extends: {SCENARIOS / "fujian-public-data.yaml"}
name: fujian-quarter
run: {{end_date: 2026-03-31, warmup: 15 d, replications: 1}}
"""
#: What the planner observed, by month (the KPIs of examples/data/observed-fujian.csv).
SERIES = {
    "requests.within_sla_share@channel=sharing": "month",
    "requests.within_sla_share@channel=opening": "month",
    "requests.arrivals_count": "month",
    "requests.rejected_share": "month",
    "requests.time_to_data_workdays_p90": "month",
}


def invoke(*args: str | os.PathLike[str]) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr or result.output
    return result.stdout


@pytest.mark.slow
def test_a_fitted_scenario_is_consistent_with_the_world_it_was_fitted_on(
    tmp_path: Path,
) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(WORLD, encoding="utf-8")
    first = tmp_path / "runs" / "world"
    invoke("run", world, "--seed", "20261", "--out", first, "--quiet")
    invoke("export", first, "--logs")
    observed = tmp_path / "observed.csv"
    observed.write_text(observed_csv(first, SERIES), encoding="utf-8")
    assert len(observed.read_text(encoding="utf-8").splitlines()) == 1 + 3 * len(SERIES)

    fitted = tmp_path / "fitted.yaml"
    invoke(
        "fit", first / "logs" / "requests.csv", "--as", "requests", "--base", world,
        "--out", fitted,
    )  # fmt: skip
    text = fitted.read_text(encoding="utf-8")
    assert "extends: world.yaml" in text  # beside --out
    assert "review_effort:" in text

    again = tmp_path / "runs" / "fitted"
    invoke("run", fitted, "--seed", "7", "--set", "run.replications=6", "--out", again,
           "--quiet")  # fmt: skip
    judged = tmp_path / "runs" / "backtest"
    stdout = invoke("backtest", again, observed, "--out", judged)
    verdicts = json.loads((judged / "verdicts.json").read_text(encoding="utf-8"))
    by_kpi = {row["kpi"]: row for row in verdicts["kpis"]}
    assert set(by_kpi) == set(SERIES)
    assert {k: row["verdict"] for k, row in by_kpi.items()} == dict.fromkeys(
        SERIES, "consistent"
    ), stdout
    assert all(row["periods"] == 3 and row["replications"] == 6 for row in by_kpi.values())

    # The control: the fitted scenario with twice the requests is told it is too high.
    double = tmp_path / "double.yaml"
    double.write_text(f"extends: fitted.yaml\nname: double\n{_doubled(text)}", encoding="utf-8")
    wrong = tmp_path / "runs" / "double"
    invoke("run", double, "--seed", "7", "--set", "run.replications=6", "--out", wrong,
           "--quiet")  # fmt: skip
    invoke("backtest", wrong, observed, "--out", tmp_path / "runs" / "double-backtest")
    verdicts = json.loads(
        (tmp_path / "runs" / "double-backtest" / "verdicts.json").read_text(encoding="utf-8")
    )
    by_kpi = {row["kpi"]: row for row in verdicts["kpis"]}
    assert by_kpi["requests.arrivals_count"]["verdict"] == "model too high"


def _doubled(fitted: str) -> str:
    """The fitted ``requesters:`` section with every group's rate doubled."""
    lines = fitted.split("requesters:\n", 1)[1].split("\npolicy:", 1)[0].splitlines()
    groups = [line.split("  # D:")[0] for line in lines if line.lstrip().startswith("- {")]
    doubled = []
    for line in groups:
        head, rate = line.split("rate: ", 1)
        value, rest = rate.split("/workday", 1)
        doubled.append(f"{head}rate: {2 * float(value):.6g}/workday{rest}")
    return "requesters:\n  groups:\n" + "\n".join(doubled) + "\n"
