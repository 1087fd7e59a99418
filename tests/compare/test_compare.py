"""``simdata compare``: paired differences under common random numbers, refusals, files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.errors import UsageError
from simdata.experiments.compare import compare
from tests.cli_checks import one_line_error

pytestmark = pytest.mark.cli

MMC_TEXT = """\
name: mmc-{servers}
run: {{horizon: 2000 s, warmup: 200 s, replications: 8, seed: {seed}}}
resolution:
  servers: {servers}
  service_time: {{dist: exponential, mean: 1 s}}
  traffic: {{rate: 2.4/s}}
"""


def _run(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, servers: int, seed: int
) -> Path:
    scenario = write_scenario(
        MMC_TEXT.format(servers=servers, seed=seed), f"s{servers}-{seed}.yaml"
    )
    out = tmp_path / f"run-{servers}-{seed}"
    result = CliRunner().invoke(cli, ["run", str(scenario), "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


def test_paired_differences_beat_unpaired_on_an_mmc_pair(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """M/M/3 vs M/M/4 with the same seed: 4 servers wait less, and pairing cuts the variance."""
    base = _run(write_scenario, tmp_path, 3, 5)
    variant = _run(write_scenario, tmp_path, 4, 5)
    out = tmp_path / "compare"
    result = CliRunner().invoke(cli, ["compare", str(base), str(variant), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "mmc-4 − mmc-3" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["compare.parquet", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["kind"], manifest["status"], manifest["root_seed"]) == (
        "compare",
        "complete",
        5,
    )
    table = pl.read_parquet(out / "compare.parquet")
    assert table.columns == [
        "variant", "kpi", "diff_mean", "diff_ci_low", "diff_ci_high", "n_pairs",
        "variance_reduction", "better", "test", "p_value", "p_holm", "in_family",
        "conditional", "target", "base_verdict", "variant_verdict",
    ]  # fmt: skip
    wait = table.filter(pl.col("kpi") == "resolution.wait_mean").row(0, named=True)
    assert wait["variant"] == "mmc-4"
    assert wait["n_pairs"] == 8
    assert wait["diff_ci_high"] < 0.0
    assert wait["better"] == "variant"  # lower is better for waits
    assert (wait["test"], wait["in_family"]) == ("paired t", True)
    assert wait["p_value"] <= wait["p_holm"] <= 0.05
    # Paired variance var(b − a) is below the unpaired var(a) + var(b).
    assert wait["variance_reduction"] > 0.0
    # The same arrivals in both runs: their count does not differ at all.
    arrivals = table.filter(pl.col("kpi") == "resolution.arrivals_count").row(0, named=True)
    assert (arrivals["diff_mean"], arrivals["better"]) == (0.0, "n/a")


def test_runs_with_different_root_seeds_get_welchs_unpaired_t(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """Different root seeds share no random numbers: Welch's t, no pairs, and a warning."""
    base = _run(write_scenario, tmp_path, 3, 5)
    variant = _run(write_scenario, tmp_path, 4, 6)
    out = tmp_path / "compare"
    result = CliRunner().invoke(cli, ["compare", str(base), str(variant), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "root seeds differ" in result.stdout
    assert "root seed 6 is not the base's 5" in result.stdout
    table = pl.read_parquet(out / "compare.parquet")
    assert set(table["test"].to_list()) == {"Welch t"}
    assert table["n_pairs"].null_count() == table.height
    wait = table.filter(pl.col("kpi") == "resolution.wait_mean").row(0, named=True)
    assert wait["better"] == "variant"
    manifest = json.loads((out / "manifest.json").read_text())
    assert [v["test"] for v in manifest["variants"]] == ["Welch t"]
    assert "Welch" in manifest["warnings"][0]


def test_too_few_shared_replications_and_non_runs_are_refused(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """Fewer than 2 shared replication indices, or a directory that is not a run: exit 2."""
    base = _run(write_scenario, tmp_path, 3, 5)
    variant = _run(write_scenario, tmp_path, 4, 5)
    kpis = pl.read_parquet(variant / "kpis.parquet")
    kpis.filter(pl.col("replication") == 0).write_parquet(variant / "kpis.parquet")
    with pytest.raises(UsageError, match="at least 2 replication indices shared"):
        compare(base, [variant])
    result = CliRunner().invoke(cli, ["compare", str(base), str(tmp_path)])
    assert "expected a run directory with manifest.json" in one_line_error(result)


def test_runs_without_common_kpis_or_given_twice_are_refused(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """A variant of another model (no KPI in common) or the same directory twice: exit 2,
    one line, nothing written — never an empty compare.parquet."""
    base = _run(write_scenario, tmp_path, 3, 5)
    variant = _run(write_scenario, tmp_path, 4, 5)
    kpis = pl.read_parquet(variant / "kpis.parquet")
    kpis.with_columns(pl.lit("other.model_kpi").alias("kpi")).write_parquet(
        variant / "kpis.parquet"
    )
    out = tmp_path / "never"
    result = CliRunner().invoke(cli, ["compare", str(base), str(variant), "--out", str(out)])
    assert "expected KPIs in common" in one_line_error(result)
    assert not out.exists()
    result = CliRunner().invoke(cli, ["compare", str(base), str(base), "--out", str(out)])
    assert "got it twice" in one_line_error(result)
    assert not out.exists()
