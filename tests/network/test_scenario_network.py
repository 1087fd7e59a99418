"""The ``network`` section: bad networks get one line naming file, line and field; exit 2.

Each case edits a valid network scenario and checks ``simdata validate``'s message, and
that ``simdata run --out`` writes nothing. Targets on per-node KPIs are checked against
the network's nodes (a queue KPI needs a node with servers, a path KPI a secondary node).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from tests.cli_checks import one_line_error, replace_once, tree

pytestmark = pytest.mark.cli

BASE = """\
name: net
run: {horizon: 200 s, warmup: 10 s, replications: 2, seed: 7}
network:
  traffic: {rate: 50/s}
  sla: p99<=50ms
  nodes:
    - {name: rec, kind: recursive, hit_ratio: 50%, top_level: top}
    - {name: top, kind: top_level, servers: 2}
    - {name: a, kind: secondary, servers: 1, share: 60%}
    - {name: b, kind: secondary, share: 40%}
    - {name: b-1, kind: enterprise, parent: a, servers: 1}
targets:
  - {kpi: resolution.utilisation@node=top, "<=": 90%}
"""

CASES = {
    "duplicate name": (
        "{name: b, kind: secondary, share: 40%}",
        "{name: a, kind: secondary, share: 40%}",
        "scenario.yaml:10: network.nodes.3.name: expected a unique name, got 'a' twice",
    ),
    "unknown top level": (
        "top_level: top}",
        "top_level: topp}",
        "network.nodes.0.top_level: expected the name of a top_level node (top), got 'topp'",
    ),
    "shares not 100 %": ("share: 40%}", "share: 30%}", "sum to 100 %, got 90.0000%"),
    "share on some only": (
        "{name: b, kind: secondary, share: 40%}",
        "{name: b, kind: secondary}",
        "expected a share on every one of the secondary nodes or on none, missing on b",
    ),
    "field of another kind": (
        "{name: top, kind: top_level, servers: 2}",
        "{name: top, kind: top_level, servers: 2, hit_ratio: 10%}",
        "hit_ratio: expected only on a recursive node, got a top_level node",
    ),
    "servers on a cache": (
        "hit_ratio: 50%, top_level: top}",
        "hit_ratio: 50%, top_level: top, servers: 2}",
        "servers: expected none on a recursive node",
    ),
    "enterprise without parent": ("parent: a, servers: 1}", "servers: 1}", "parent: expected"),
    "bad name": ("{name: b, kind", "{name: b c, kind", "name: expected no spaces"),
    "queue limit below servers": (
        "{name: top, kind: top_level, servers: 2}",
        "{name: top, kind: top_level, servers: 2, queue_limit: 1}",
        "queue_limit: expected an integer ≥ servers (2), got 1",
    ),
    "node KPI of an unknown node": (
        "resolution.utilisation@node=top",
        "resolution.utilisation@node=beijing",
        "@node=beijing is not produced by this scenario (expected a node with servers",
    ),
    "queue KPI of a node without servers": (
        "resolution.utilisation@node=top",
        "resolution.utilisation@node=b",
        "@node=b is not produced by this scenario (expected a node with servers",
    ),
    "path KPI of a top-level node": (
        'resolution.utilisation@node=top, "<=": 90%',
        'resolution.latency_p99@node=top, "<=": 90 ms',
        "@node=top is not produced by this scenario (expected a secondary node",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_network_is_one_line_and_writes_nothing(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new, message = CASES[case]
    monkeypatch.chdir(tmp_path)
    Path("scenario.yaml").write_text(replace_once(BASE, old, new), encoding="utf-8")
    before = tree(tmp_path)
    validated = one_line_error(CliRunner().invoke(cli, ["validate", "scenario.yaml"]))
    assert validated.startswith("scenario.yaml:"), validated
    assert message in validated, validated
    ran = one_line_error(CliRunner().invoke(cli, ["run", "scenario.yaml", "--out", "out"]))
    assert message in ran
    assert tree(tmp_path) == before


def test_network_with_a_resolution_node_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = BASE.replace("network:\n", "resolution: {servers: 1}\nnetwork:\n")
    Path("scenario.yaml").write_text(text, encoding="utf-8")
    message = one_line_error(CliRunner().invoke(cli, ["validate", "scenario.yaml"]))
    assert "expected either a resolution node or a network, got both" in message


def test_valid_network_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("scenario.yaml").write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "scenario.yaml"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
