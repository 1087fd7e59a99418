"""Write the example logs of ``examples/data/`` from shipped scenarios (nothing real or private).

    .venv/bin/python examples/make_logs.py            # rewrites examples/data/*.csv
    .venv/bin/python examples/make_logs.py --out DIR  # somewhere else

Each log is replication 0 of a shipped scenario at its own root seed (stated below), written by
the same code as ``simdata export RUN_DIR --logs`` (simdata.report.export_logs), so
``simdata run`` of the scenario (with the same ``--set`` overrides and seed) followed by
``simdata export --logs`` gives the same bytes. The files are what ``simdata fit`` reads
(docs/fit.md); each stays under 2 MB, and a test regenerates one and compares its bytes.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path

import simdata
from simdata.experiments.replication import run_replication
from simdata.report.export_logs import write_logs

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
#: DOMAIN.md §5's day: night at a tenth of the peaks at 10:00 and 15:00.
HOURLY = "[1,1,1,1,1,1,2,4,8,10,10,8,6,8,10,10,8,6,4,3,2,2,1,1]"


@dataclass(frozen=True)
class Example:
    """One example log: the shipped scenario, its overrides and the root seed."""

    file: str
    scenario: str
    seed: int
    sets: tuple[str, ...] = ()


EXAMPLES = (
    # A year (2026) of Fujian's public-data requests: ≈ 12,900 rows, ≈ 1.1 MB.
    Example("requests.csv", "scenarios/fujian-public-data.yaml", 2026),
    # A week (Monday 2026-03-02 to Sunday 03-08) at a secondary node: 0.05 resolutions/s on
    # weekdays, 0.4 of that at the weekend, an 80 % cache, a 30 ms timeout: ≈ 25,000 rows.
    Example(
        "node.csv",
        "scenarios/node-baseline.yaml",
        20261125,
        (
            "run.start_date=2026-03-02",
            "run.horizon=7 d",
            "run.warmup=0 s",
            "resolution.traffic.rate=0.05/s",
            "resolution.traffic.weekend_factor=0.4",
            f"resolution.traffic.hourly_weights={HOURLY}",
            "resolution.cache={hit_ratio: 80%, hit_time: {dist: lognormal, median: 1 ms, "
            "sigma: 0.3}}",
            "resolution.service_time={dist: lognormal, median: 5 ms, sigma: 0.8}",
            "resolution.timeout=30 ms",
            "resolution.engine=event",
        ),
    ),
    # Two years (2024–2025) of Zhanjiang's enterprises on the node, one row per enterprise
    # per month: ≈ 1,900 rows.
    Example("enterprises.csv", "scenarios/zhanjiang-baseline.yaml", 759),
)


def make(example: Example, out: Path) -> Path:
    """Simulate ``example``'s replication 0 and write its log into ``out``."""
    sets = (*example.sets, f"run.seed={example.seed}", "run.replications=1")
    scenario = simdata.load_scenario(ROOT / example.scenario, overrides=sets)
    replication = run_replication(scenario, 0, keep_requests=True)
    if not replication.ok:
        raise RuntimeError(f"{example.scenario}: {replication.error}")
    written = write_logs(scenario, replication, out)
    path = out / example.file
    if path not in written.written:
        raise RuntimeError(f"{example.scenario}: no {example.file} ({'; '.join(written.notes)})")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="folder (default examples/data)")
    parser.add_argument("only", nargs="*", help="files to write (default: all)")
    args = parser.parse_args()
    for example in EXAMPLES:
        if args.only and example.file not in args.only:
            continue
        path = make(example, args.out)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:16]
        print(f"wrote {path} ({len(data):,} bytes, sha256 {digest}…)")


if __name__ == "__main__":
    main()
