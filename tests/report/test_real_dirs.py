"""Reports of results directories the experiments really wrote (not fixtures): a capacity
search, a Morris sweep and a compare, each in English and Chinese — the formats the
report reads are the formats the experiments write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.report import build_report

pytestmark = pytest.mark.cli

NODE = """\
name: real-dirs
run: {horizon: 600 s, warmup: 60 s, replications: 3, seed: 9}
resolution:
  servers: 2
  service_time: {dist: exponential, mean: 10 ms}
  traffic: {rate: 100/s}
  sla: p99<=100ms
"""

MORRIS = """\
name: node-morris
method: morris
samples: 4
levels: 4
replications: 2
kpis: [resolution.wait_mean]
parameters:
  - {path: resolution.servers, levels: [2, 3]}
  - {path: resolution.traffic.rate, range: [60, 120], unit: /s}
"""


def _ok(*args: str | Path) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def real_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("real")
    scenario = root / "node.yaml"
    scenario.write_text(NODE, encoding="utf-8")
    variant = root / "variant.yaml"
    variant.write_text(NODE.replace("servers: 2", "servers: 3"), encoding="utf-8")
    design = root / "morris.yaml"
    design.write_text(MORRIS, encoding="utf-8")
    dirs = {name: root / name for name in ("base", "variant", "capacity", "sweep", "compare")}
    _ok("run", scenario, "--out", dirs["base"], "--workers", "1", "--quiet")
    _ok("run", variant, "--out", dirs["variant"], "--workers", "1", "--quiet")
    _ok("capacity", scenario, "--out", dirs["capacity"], "--workers", "1", "--quiet")
    _ok("sweep", scenario, "--design", design, "--out", dirs["sweep"], "--workers", "1")
    _ok("compare", dirs["base"], dirs["variant"], "--out", dirs["compare"])
    return dirs


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["capacity", "sweep", "compare"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_of_a_real_directory(real_dirs: dict[str, Path], kind: str, lang: str) -> None:
    directory = real_dirs[kind]
    assert json.loads((directory / "manifest.json").read_text())["kind"] == kind
    report = build_report(directory, lang)
    page = report.path.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 1
    if kind == "capacity":
        capacity = json.loads((directory / "capacity.json").read_text())["capacity"]
        assert f"{capacity:.4g}" in page or f"{capacity:,.1f}" in page or f"{capacity:.1f}" in page
