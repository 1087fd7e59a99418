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


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` as ``tmp_path/name`` and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
