"""Results-directory writes: atomic, and readable like any file the user creates."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl
import pytest

from simdata.results import write_json, write_parquet, write_text


@pytest.mark.unit
def test_written_files_get_the_usual_mode_not_mkstemps_private_one(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    write_text(tmp_path / "a.md", "x")
    write_json(tmp_path / "b.json", {"a": 1})
    write_parquet(tmp_path / "c.parquet", pl.DataFrame({"a": [1]}))
    for name in ("a.md", "b.json", "c.parquet"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o666 & ~mask, (name, oct(mode))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.json", "c.parquet"]
