"""``examples/data/``: the shipped example logs are small, reproducible and read by ``fit``.

Sizes: each file ≤ 2 MB (issue 18). Reproducible: ``examples/make_logs.py`` regenerates the
node log byte for byte (the cheapest of the three; the others share its code path). Read:
``simdata fit`` reads each with the kind it is for and recovers a known parameter of the
scenario it came from (99 % CI; the logs are fixed, so this is one fixed check each).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from tests.conftest import REPO
from tests.fit.fitted_ci import log_wald, wilson99

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


#: A known parameter of each example's scenario, and where the fitted scenario writes its CI.
KNOWN = {
    "requests": [("review_effort:", "median", 2.0)],  # hours
    "node": [("service_time:", "median", 5.0), ("hit_time:", "median", 1.0)],  # ms
    "enterprises": [("adoption:", "rate", 4.0), ("adoption:", "growth", 5.0)],  # /month, %
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "kind"), sorted(LOGS.items()))
def test_fit_reads_each_example_log_and_recovers_a_known_parameter(
    tmp_path: Path, name: str, kind: str
) -> None:
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(cli, ["fit", str(DATA / name), "--as", kind, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    for key, label, true in KNOWN[kind]:
        low, high = log_wald(text, key, label)  # the 99 % CI
        assert low <= true <= high, (key, label, low, high)
    if kind == "requests":
        low, high = wilson99(text, "reject_probability:")
        assert low <= 0.15 <= high
