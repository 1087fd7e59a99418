"""Atomic writes and the parts of a run in progress.

Every file is written under a temporary name in the same folder and moved into place with
``os.replace``, so a reader (or a crash) never sees half a file. While a run is going, each
finished replication is a part ``parts/rep-NNNNNN.parquet``; ``--resume`` reads them back.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

PARTS_DIR = "parts"
_PART_NAME = re.compile(r"rep-(\d{6,})\.parquet")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once at import (os.umask can only be read by setting it).
UMASK = _current_umask()


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(temporary))
        # mkstemp makes the file private (0600); results are shared: the usual 0666 − umask.
        os.chmod(temporary, 0o666 & ~UMASK)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write text atomically (UTF-8)."""

    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")

    _atomic(path, write)


def write_parquet(path: Path, frame: pl.DataFrame) -> None:
    """Write a polars frame to Parquet atomically.

    The file is encoded in memory and written by Python, so a full disk or a file-size
    limit is an ``OSError`` with its errno (polars would wrap it in a ``ComputeError``).
    """
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    data = buffer.getvalue()

    def write(temporary: Path) -> None:
        temporary.write_bytes(data)

    _atomic(path, write)


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def part_path(run_dir: Path, index: int) -> Path:
    """``RUN_DIR/parts/rep-NNNNNN.parquet``: replication ``index``'s part."""
    return run_dir / PARTS_DIR / f"rep-{index:06d}.parquet"


def part_paths(run_dir: Path) -> dict[int, Path]:
    """The finished parts of a run directory by replication index (temporaries ignored)."""
    folder = run_dir / PARTS_DIR
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        match = _PART_NAME.fullmatch(path.name)
        if match is not None:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def remove_parts(run_dir: Path) -> None:
    """Delete ``parts/`` once the final tables and manifest hold everything."""
    shutil.rmtree(run_dir / PARTS_DIR, ignore_errors=True)
