"""Shared fixtures: paths of the shipped scenarios and a writer for small scenario files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"

MM8_TEXT = """\
name: mm8
run: {horizon: 20000 s, warmup: 2000 s, replications: 20, seed: 7}
resolution:
  servers: 8
  service_time: {dist: exponential, mean: 1 s}
  traffic: {rate: 7.2/s}
targets:
  - {kpi: resolution.wait_mean, "<=": 1.2 s}
"""

#: A small M/G/3 node (about 0.1 s a replication) and a 2 × 2 grid around it, for the
#: sweep and executor tests.
MMC_TEXT = """\
name: mmc
run: {horizon: 1000 s, warmup: 100 s, replications: 3, seed: 11}
resolution:
  servers: 3
  service_time: {dist: lognormal, mean: 1 s, cv: 1.0}
  traffic: {rate: 2.4/s}
"""

GRID_TEXT = """\
name: mmc-grid
method: grid
levels: 2
replications: 2
kpis: [resolution.wait_mean, resolution.arrivals_count]
parameters:
  - {path: resolution.servers, name: servers, levels: [3, 4]}
  - {path: resolution.service_time.mean, name: service_time, range: [0.8, 1.0], unit: s}
"""


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` as ``tmp_path/name`` and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
