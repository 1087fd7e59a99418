"""``simdata capacity`` on a network: the multiplier at which the first node breaks its SLA.

Exact answer: in a tandem of M/M/1 queues a customer's sojourn times at the nodes are
independent exponentials (Reich 1957), so the end-to-end time through a top-level node
(rate μ₁) and a secondary node (μ₂) is hypoexponential with rates μ₁ − λ and μ₂ − λ; the
largest λ with P(T ≤ t) ≥ 0.99 is found by root finding. Two secondary nodes split the
traffic: the one with the slower servers breaks first.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from scipy.optimize import brentq

from simdata.cli import cli

pytestmark = [pytest.mark.cli, pytest.mark.slow]

MU_TOP, MU_SLOW, MU_FAST, RATE, T = 1000.0, 600.0, 1200.0, 400.0, 0.020

SCENARIO = f"""\
name: tandem-capacity
run: {{horizon: 400 s, warmup: 20 s, replications: 4, seed: 3}}
network:
  traffic: {{rate: {RATE}/s}}
  sla: p99<={T * 1000:g}ms
  nodes:
    - {{name: top, kind: top_level, servers: 1,
       service_time: {{dist: exponential, mean: {1000 / MU_TOP:g} ms}}}}
    - {{name: slow, kind: secondary, share: 50%, servers: 1,
       service_time: {{dist: exponential, mean: {1000 / MU_SLOW:g} ms}}}}
    - {{name: fast, kind: secondary, share: 50%, servers: 1,
       service_time: {{dist: exponential, mean: {1000 / MU_FAST:g} ms}}}}
"""


def _within(t: float, a: float, b: float) -> float:
    """P(Exp(a) + Exp(b) ≤ t), a ≠ b."""
    return 1.0 - (b * math.exp(-a * t) - a * math.exp(-b * t)) / (b - a)


def exact_multiplier() -> float:
    """The largest k with P(T ≤ t) = 0.99 for the slow node's resolutions at rate k·λ."""

    def gap(k: float) -> float:
        rate = k * RATE
        return _within(T, MU_TOP - rate, MU_SLOW - rate / 2) - 0.99

    return float(brentq(gap, 0.1, 0.999 * min(MU_TOP / RATE, 2 * MU_SLOW / RATE)))


def test_capacity_finds_the_slow_node_at_the_exact_multiplier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("net.yaml").write_text(SCENARIO, encoding="utf-8")
    result = CliRunner().invoke(cli, ["capacity", "net.yaml", "--out", "cap", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "first to break: slow in 4 of 4 replications" in result.output
    found = json.loads(Path("cap/capacity.json").read_text(encoding="utf-8"))
    assert found["status"] == "found"
    assert found["first_node"] == "slow"
    assert found["bottlenecks"] == {"top": 4}
    exact = exact_multiplier()
    assert found["ci_low"] <= exact <= found["ci_high"], (exact, found)
    assert found["offered_per_s"] == pytest.approx(found["multiplier"] * RATE)
    manifest = json.loads(Path("cap/manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "capacity"
    assert manifest["network"] is True


def test_network_without_sla_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("net.yaml").write_text(SCENARIO.replace("  sla: p99<=20ms\n", ""), encoding="utf-8")
    result = CliRunner().invoke(cli, ["capacity", "net.yaml", "--out", "cap"])
    assert result.exit_code == 2
    assert "network.sla: expected an SLA to search against" in result.stderr
    assert not Path("cap").exists()
