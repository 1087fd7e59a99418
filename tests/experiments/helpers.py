"""What the executor, resume and until-decided tests share: small scenarios and comparisons."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from simdata.experiments.run import RunResult

#: M/M/8 replications of about 0.05 s each.
SHORT = ["run.horizon=2000 s", "run.warmup=200 s"]


def sorted_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame sorted by every column: content compared, not row order."""
    return frame.sort(frame.columns, nulls_last=True)


def assert_same_results(result: RunResult, reference: RunResult) -> None:
    """Same KPIs, summary and timeseries (sorted frames compared)."""
    for name in ("kpis", "summary", "timeseries"):
        mine, theirs = getattr(result, name), getattr(reference, name)
        assert sorted_frame(mine).equals(sorted_frame(theirs)), name


def assert_same_run_dirs(mine: Path, theirs: Path) -> None:
    """Two run directories hold the same tables (sorted content, not file bytes)."""
    names = sorted(p.name for p in theirs.glob("*.parquet"))
    assert sorted(p.name for p in mine.glob("*.parquet")) == names
    for name in names:
        a, b = pl.read_parquet(mine / name), pl.read_parquet(theirs / name)
        assert sorted_frame(a).equals(sorted_frame(b)), name
