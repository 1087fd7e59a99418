"""Write the observed-KPI files ``simdata backtest`` is shown with (docs/backtest.md).

    .venv/bin/python examples/make_observed.py

Each file is one replication of a shipped scenario under a seed of its own — what the
model itself would have shown a planner — in the long form ``period, kpi, value``:

- ``examples/data/observed-fujian.csv``: ``scenarios/fujian-public-data.yaml``, seed
  20261, 2026 by month: within-SLA shares (sharing, opening), arrivals, rejected share,
  p90 working days to data;
- ``examples/data/observed-zhanjiang.csv``: ``scenarios/zhanjiang-baseline.yaml``, seed
  7591, 2024–2025 by month: identifiers registered and mean resolutions per day.

Nothing real or private is shipped. A backtest of the scenario's own run against these
says "consistent" for every KPI (at the test's false-alarm rate).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import simdata
from simdata.experiments.backtest.observe import observed_csv

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "observed-fujian.csv": (
        "fujian-public-data.yaml",
        20261,
        {
            "requests.within_sla_share@channel=sharing": "month",
            "requests.within_sla_share@channel=opening": "month",
            "requests.arrivals_count": "month",
            "requests.rejected_share": "month",
            "requests.time_to_data_workdays_p90": "month",
        },
    ),
    "observed-zhanjiang.csv": (
        "zhanjiang-baseline.yaml",
        7591,
        {"registrations.count": "month", "resolutions.daily_mean": "month"},
    ),
}


def main() -> None:
    for name, (scenario_file, seed, series) in CASES.items():
        scenario = simdata.load_scenario(
            ROOT / "scenarios" / scenario_file, ["run.replications=1", f"run.seed={seed}"]
        )
        with tempfile.TemporaryDirectory() as folder:
            run_dir = Path(folder) / "run"
            simdata.run(scenario, out=run_dir)
            text = observed_csv(run_dir, series)
        path = ROOT / "examples" / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({len(text.splitlines()) - 1} rows)")


if __name__ == "__main__":
    main()
