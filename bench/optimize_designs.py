"""Wall time of the shipped optimisation designs (issue 17: each ≤ 5 min on 2 cores).

Runs ``simdata optimize BASE --design DESIGN --workers 2`` for each shipped design (or the
names given) into a temporary directory and prints the wall time, the chosen plan, its
cost, the guarantee and the replications spent, from the run's ``plan.json``.

    .venv/bin/python bench/optimize_designs.py [zhanjiang-min-servers fujian-min-staff
                                                zhanjiang-subsidy-design]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Shipped design → the base scenario it is written for.
DESIGNS = {
    "zhanjiang-min-servers": "scenarios/node-baseline.yaml",
    "fujian-min-staff": "scenarios/fujian-public-data.yaml",
    "zhanjiang-subsidy-design": "scenarios/zhanjiang-baseline.yaml",
}
GOAL_S = 300.0


def bench(name: str, workers: int = 2) -> dict[str, object]:
    """Run one design end to end in a fresh interpreter; its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [
            sys.executable, "-m", "simdata", "optimize", DESIGNS[name],
            "--design", f"scenarios/designs/{name}.yaml",
            "--workers", str(workers), "--out", str(out), "--quiet",
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - started
        plan = json.loads((out / "plan.json").read_text())
    return {
        "design": name,
        "wall_s": round(wall, 1),
        "within_goal": wall <= GOAL_S,
        "plan": plan["plan"],
        "guarantee": plan["guarantee"],
        "plans_evaluated": plan["plans_evaluated"],
        "replications_spent": plan["replications_spent"],
        "explored": plan.get("explored"),
        "selection": plan.get("selection"),
    }


def main(names: list[str]) -> None:
    for name in names or list(DESIGNS):
        print(json.dumps(bench(name), ensure_ascii=False, indent=1), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
