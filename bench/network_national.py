"""The national resolution network, one replication on one core (issue 19's goal: ≤ 30 s,
≤ 1 GiB peak RSS; more than 60 s is not done).

``scenarios/national-network.yaml``: 1.5亿 resolutions in a day through 31 recursive nodes
(80 % cache hits), 5 top-level nodes and 330 secondary nodes, with the batched engine. One
replication runs in a fresh subprocess (``simdata.load_scenario`` + ``simulate``, so KPIs
and files are not timed; numba's cache is warmed by a small run first) that reports wall
time, CPU time (one core; on a loaded machine the wall time is not the engine's), resolutions
per second and peak RSS (``ru_maxrss``: the whole process, imports
included).

Run: ``python -m bench.network_national`` (prints one line), or with pytest-benchmark:
``python -m pytest bench/network_national.py -q -p no:cacheprovider --benchmark-only -s``.
Optional argument: the daily rate, e.g. ``python -m bench.network_national 15000000/d``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "national-network.yaml"
GOAL_S = 30.0
LIMIT_S = 60.0
GOAL_MIB = 1024.0

_CHILD = """
import json, resource, sys, time
import polars as pl
import simdata
from simdata.model.world import simulate
path, rate = sys.argv[1], sys.argv[2]
warm = simdata.load_scenario(path, ["network.traffic.rate=100000/d"])
simulate(warm, 0)  # numba's cache and imports, not timed
scenario = simdata.load_scenario(path, [f"network.traffic.rate={rate}"])
started, cpu = time.perf_counter(), time.process_time()
simulated = simulate(scenario, 0)
seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
nodes = simulated.frames["network_nodes"]
resolutions = int(nodes.filter(pl.col("kind") == "recursive")["arrivals"].sum())
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "resolutions": resolutions,
                  "peak_rss_mib": rss}))
"""


def measure(rate: str = "150000000/d") -> dict[str, Any]:
    """One replication in a fresh process: seconds, resolutions, resolutions/s, peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(SCENARIO), rate],
        check=True, capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    found["per_s"] = found["resolutions"] / found["seconds"]
    return found


def test_national_network_day(benchmark: Any) -> None:
    """One national day: the figures, and the hard limit (60 s, 1 GiB)."""
    found = benchmark.pedantic(measure, rounds=1, iterations=1)
    benchmark.extra_info.update(found)
    print(f"\nnational network: {found}")
    assert found["seconds"] <= LIMIT_S
    assert found["peak_rss_mib"] <= GOAL_MIB


def main() -> None:
    rate = sys.argv[1] if len(sys.argv) > 1 else "150000000/d"
    found = measure(rate)
    print(
        f"{found['resolutions']:,} resolutions in {found['seconds']:.1f} s wall, "
        f"{found['cpu_seconds']:.1f} s CPU ({found['per_s'] / 1e6:.2f} M/s wall), "
        f"peak RSS {found['peak_rss_mib']:.0f} MiB "
        f"(goal ≤ {GOAL_S:g} s, not done above {LIMIT_S:g} s; ≤ {GOAL_MIB:g} MiB)"
    )


if __name__ == "__main__":
    main()
