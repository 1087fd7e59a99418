"""The busiest clock hour per node: ``resolution.utilisation@node=NAME@window=peak_hour``.

A composed breakdown (node, then the fixed window): a target may name it, the value is the
busiest whole hour's utilisation — at least the whole window's, equal on both engines —
and a composition the network does not produce is refused with the forms it has.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner

import simdata
from simdata.analysis.kpis import compute_kpis
from simdata.cli import cli
from simdata.model.world import simulate
from tests.cli_checks import one_line_error

pytestmark = pytest.mark.cli

SCENARIO = """\
name: peak
run: {{horizon: 3 h, warmup: 0 s, replications: 1, seed: 5}}
network:
  engine: {engine}
  traffic:
    rate: 12/s
    hourly_weights: [1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
  nodes:
    - {{name: top, kind: top_level, servers: 2, service_time: {{dist: exponential, mean: 30 ms}}}}
    - {{name: sn, kind: secondary, servers: 1, service_time: {{dist: exponential, mean: 15 ms}}}}
targets:
  - {{kpi: resolution.utilisation@node=top@window=peak_hour, "<=": 90%}}
"""


def _kpis(tmp_path: Path, engine: str) -> dict[str, float]:
    path = tmp_path / f"{engine}.yaml"
    path.write_text(SCENARIO.format(engine=engine), encoding="utf-8")
    return compute_kpis(simulate(simdata.load_scenario(path), 0))


def test_peak_hour_is_the_busiest_hour_on_both_engines(tmp_path: Path) -> None:
    batched, event = _kpis(tmp_path, "batched"), _kpis(tmp_path, "event")
    name = "resolution.utilisation@node=top@window=peak_hour"
    peak, whole = batched[name], batched["resolution.utilisation@node=top"]
    # Hour 01–02 carries 3× the rate of the others: its utilisation is ~1.8× the mean.
    assert 1.5 * whole < peak < 2.1 * whole
    assert peak == pytest.approx(12 * 3 / (26 / 24) * 0.030 / 2, rel=0.1)  # ρ in that hour
    assert event[name] == pytest.approx(peak, rel=1e-9)
    assert math.isfinite(batched["resolution.utilisation@node=sn@window=peak_hour"])


def test_a_composition_not_produced_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = SCENARIO.format(engine="auto").replace(
        'resolution.utilisation@node=top@window=peak_hour, "<=": 90%',
        'resolution.latency_p99@node=sn@window=peak_hour, "<=": 90 ms',
    )
    Path("s.yaml").write_text(text, encoding="utf-8")
    message = one_line_error(CliRunner().invoke(cli, ["validate", "s.yaml"]))
    assert "a KPI takes one @breakdown at most" in message
    assert "resolution.utilisation@node=sn@window=peak_hour" in message  # a close match
