"""The Zhanjiang baseline: one replication of two simulated years (2024–2025).

Measures the wall time of one replication (``run_replication``: drawing the enterprises,
counting their 731 days in vectors, judging the subsidy, simulating the node's 24 peak-hour
windows, and every KPI) and the peak RSS it adds above the RSS after imports. Goals
(issue 5): ≤ 3 s per replication and ≤ 300 MiB above the RSS after imports on the 2-core
reference machine.

Memory is measured in a fresh interpreter (``sys.executable -c …``) that imports simdata and
loads the scenario, records its RSS, runs one replication and records the peak RSS. The
peak is the kernel's high-water mark of the interpreter's own address space (``VmHWM`` in
``/proc/self/status``), not ``ru_maxrss``: at ``exec`` Linux keeps the high-water mark of
the address space being replaced in ``ru_maxrss`` (``exec_mmap`` →
``setmax_mm_hiwater_rss``), and a subprocess starts from a fork (or vfork) of its parent,
so a child of a pytest process that has already run a replication reports the parent's
peak (197 MiB both before and after its own run, once).
``ru_maxrss`` deltas are printed too, and used where ``/proc`` is missing.

Run with ``python -m pytest bench/test_bench_zhanjiang.py -q -p no:cacheprovider
--benchmark-only -s`` (see bench/README.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import simdata
from simdata.experiments.replication import Replication, run_replication

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "zhanjiang-baseline.yaml"
GOAL_S = 3.0
GOAL_MIB = 300.0

#: Run in a fresh interpreter: RSS after imports, peak RSS after one replication (KiB).
MEASURE_RSS = """
import json, resource, sys
import simdata
from simdata.experiments.replication import run_replication

def status(key):
    try:
        with open("/proc/self/status") as lines:
            return next(int(line.split()[1]) for line in lines if line.startswith(key))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

scenario = simdata.load_scenario(sys.argv[1])
rss_after_imports = status("VmRSS:")
maxrss_after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
replication = run_replication(scenario, 0)
print(json.dumps({"ok": replication.ok, "error": replication.error,
                  "rss_after_imports_kib": rss_after_imports,
                  "peak_rss_kib": status("VmHWM:"),
                  "maxrss_after_imports_kib": maxrss_after_imports,
                  "maxrss_after_run_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


@pytest.mark.benchmark(group="zhanjiang")
def test_zhanjiang_replication(benchmark: pytest.FixtureRequest) -> None:
    """One replication of the baseline's two years within 3 s (median of 5, replications
    0–4)."""
    scenario = simdata.load_scenario(SCENARIO)
    indices = iter(range(1000))

    def one() -> Replication:
        return run_replication(scenario, next(indices))

    result: Replication = benchmark.pedantic(one, rounds=5, iterations=1)  # type: ignore[attr-defined]
    assert result.ok, result.error
    stats = benchmark.stats.stats  # type: ignore[attr-defined]
    requests = int(str(result.info.get("requests_simulated", 0)))
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        {"median_s": stats.median, "requests_simulated": requests}
    )
    print(
        f"\nzhanjiang-baseline: median {stats.median:.2f} s per replication "
        f"(min {stats.min:.2f} s, max {stats.max:.2f} s), "
        f"{requests:,} requests simulated in the peak-hour windows"
    )
    assert stats.median <= GOAL_S


@pytest.mark.benchmark(group="zhanjiang")
def test_zhanjiang_peak_rss(benchmark: pytest.FixtureRequest) -> None:
    """One replication in a fresh interpreter raises the peak RSS by ≤ 300 MiB above the
    RSS after imports (VmRSS, then the high-water mark VmHWM; KiB on Linux)."""

    def measure() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-c", MEASURE_RSS, str(SCENARIO)],
            capture_output=True,
            text=True,
            check=True,
        )
        measured: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return measured

    measured = benchmark.pedantic(measure, rounds=1, iterations=1)  # type: ignore[attr-defined]
    assert measured["ok"], measured["error"]
    mib = {key: float(str(value)) / 1024 for key, value in measured.items() if "kib" in key}
    after_imports, peak = mib["rss_after_imports_kib"], mib["peak_rss_kib"]
    delta = peak - after_imports
    maxrss_delta = mib["maxrss_after_run_kib"] - mib["maxrss_after_imports_kib"]
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        {"rss_after_imports_mib": after_imports, "peak_rss_mib": peak, "delta_mib": delta,
         "ru_maxrss_delta_mib": maxrss_delta}
    )  # fmt: skip
    print(
        f"\nzhanjiang-baseline: RSS after imports {after_imports:.0f} MiB, peak RSS after one "
        f"replication {peak:.0f} MiB, added {delta:.0f} MiB (ru_maxrss: "
        f"{mib['maxrss_after_imports_kib']:.0f} → {mib['maxrss_after_run_kib']:.0f} MiB)"
    )
    assert delta <= GOAL_MIB
