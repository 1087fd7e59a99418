"""compare uses the summary's quantile estimator: the difference of pooled quantiles, with a
sectioning CI, read back from each run's histograms.parquet (issue 12 §1, compare)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli

NODE = """\
name: NAME
run: {horizon: 3000 s, warmup: 200 s, replications: 6, seed: 5}
resolution:
  engine: batched
  servers: SERVERS
  service_time: {dist: exponential, mean: 1 s}
  traffic: {rate: 1.6/s}
"""


def _invoke(*args: object) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def _mean(run: Path, kpi: str) -> float:
    summary = pl.read_parquet(run / "summary.parquet")
    return float(summary.filter(pl.col("kpi") == kpi)["mean"].item())


@pytest.mark.cli
def test_a_quantile_difference_is_the_difference_of_the_summaries_pooled_quantiles(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    """Paired (same seed): diff = pooled(variant) − pooled(base) as the summaries show them,
    with a CI around it; without histograms.parquet the replication values are compared."""
    runs = {}
    for servers in (2, 3):
        text = NODE.replace("NAME", f"mm{servers}").replace("SERVERS", str(servers))
        runs[servers] = tmp_path / f"mm{servers}"
        _invoke("run", write_scenario(text, f"mm{servers}.yaml"), "--out", runs[servers])
    _invoke("compare", runs[2], runs[3], "--out", tmp_path / "cmp")
    table = pl.read_parquet(tmp_path / "cmp" / "compare.parquet")
    row = table.filter(pl.col("kpi") == "resolution.sojourn_p99").row(0, named=True)
    expected = _mean(runs[3], "resolution.sojourn_p99") - _mean(runs[2], "resolution.sojourn_p99")
    assert row["diff_mean"] == pytest.approx(expected, rel=1e-12)
    assert row["diff_ci_low"] < row["diff_mean"] < row["diff_ci_high"] < 0
    assert row["test"] == "paired t"
    (runs[3] / "histograms.parquet").unlink()
    _invoke("compare", runs[2], runs[3], "--out", tmp_path / "old")
    old = pl.read_parquet(tmp_path / "old" / "compare.parquet")
    per_replication = old.filter(pl.col("kpi") == "resolution.sojourn_p99")["diff_mean"].item()
    assert per_replication != pytest.approx(expected, rel=1e-9)
