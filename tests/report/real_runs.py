"""Small real results directories of every kind, written by the CLI as a planner would.

One node scenario with targets (one of them on a p99 over a window too short to judge it,
so the run records the tail guard's warning), a variant with another root seed (so the
compare records the unpaired-seed warning), a capacity search, a grid and a Morris sweep,
and the compare. Built once per session by the browser tests (about 15 s on 2 cores).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from simdata.cli import cli

NODE = """\
name: real-node
description: Two servers, exponential service, a p99 SLA and two targets.
run: {horizon: 60 s, warmup: 10 s, replications: 3, seed: 9}
resolution:
  servers: 2
  service_time: {dist: exponential, mean: 10 ms}
  traffic: {rate: 100/s}
  sla: p99<=100ms
targets:
  - {kpi: resolution.wait_mean, "<=": 5 ms}
  - {kpi: resolution.latency_p99, "<=": 60 ms}
"""

GRID = """\
name: node-grid
method: grid
replications: 2
kpis: [resolution.wait_mean, resolution.latency_p99]
parameters:
  - {path: resolution.servers, levels: [2, 3]}
  - {path: resolution.traffic.rate, levels: [60, 120], unit: /s}
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

KINDS = ("run", "compare", "grid", "morris", "capacity")


def _ok(*args: str | Path) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def build_real_dirs(root: Path) -> dict[str, Path]:
    """Write the scenarios and designs under ``root`` and run every experiment once."""
    files = {
        "node.yaml": NODE,
        "variant.yaml": NODE.replace("servers: 2", "servers: 3").replace("seed: 9", "seed: 10"),
        "long.yaml": NODE.replace("horizon: 60 s", "horizon: 600 s"),
        "grid.yaml": GRID,
        "morris.yaml": MORRIS,
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    dirs = {kind: root / kind for kind in (*KINDS, "variant")}
    quiet = ("--workers", "1", "--quiet")
    _ok("run", root / "node.yaml", "--out", dirs["run"], *quiet)
    _ok("run", root / "variant.yaml", "--out", dirs["variant"], *quiet)
    _ok("compare", dirs["run"], dirs["variant"], "--out", dirs["compare"])
    _ok("capacity", root / "long.yaml", "--out", dirs["capacity"], *quiet)
    for method in ("grid", "morris"):
        design = root / f"{method}.yaml"
        out = ("--out", dirs[method], "--workers", "1")
        _ok("sweep", root / "node.yaml", "--design", design, *out)
    return dirs
