"""``examples/data/``: the shipped example logs are small, reproducible and read by ``fit``.

Sizes: each file ≤ 2 MB (issue 18). Reproducible: ``examples/make_logs.py`` regenerates the
node log byte for byte (the cheapest of the three; the others share its code path). Read:
``simdata fit`` reads each with the kind it is for, without a log error.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
DATA = EXAMPLES / "data"
LOGS = {"requests.csv": "requests", "node.csv": "node", "enterprises.csv": "enterprises"}
MAX_BYTES = 2 * 1024 * 1024


def _make_logs() -> object:
    spec = importlib.util.spec_from_file_location("make_logs", EXAMPLES / "make_logs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_logs"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(LOGS))
def test_each_example_log_is_at_most_2_mb(name: str) -> None:
    size = (DATA / name).stat().st_size
    assert 10_000 < size <= MAX_BYTES, f"{name}: {size:,} bytes"


def test_make_logs_regenerates_the_node_log_byte_for_byte(tmp_path: Path) -> None:
    make_logs = _make_logs()
    example = next(e for e in make_logs.EXAMPLES if e.file == "node.csv")  # type: ignore[attr-defined]
    path = make_logs.make(example, tmp_path)  # type: ignore[attr-defined]
    assert path.read_bytes() == (DATA / "node.csv").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "kind"), sorted(LOGS.items()))
def test_fit_reads_each_example_log(tmp_path: Path, name: str, kind: str) -> None:
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli, ["fit", str(DATA / name), "--as", kind, "--out", str(out)])
    assert ": expected" not in result.stderr, result.stderr  # no log error
    if kind != "enterprises":  # its fit is H3's, landing separately
        assert result.exit_code == 0, result.stderr
        assert "# D:" in out.read_text(encoding="utf-8")
