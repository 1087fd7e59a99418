"""Observations drawn from a run: what ``examples/make_observed.py`` ships and the tests
confront a run with. One replication of a run of the same scenario under another seed *is*
an observation of the model, so a backtest of it must say "consistent" (at its false-alarm
rate); scaled, it must not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from simdata.experiments.backtest.observed import Observed, Period, parse_period
from simdata.experiments.backtest.simulated import RunData, read_run, simulated


def periods_of(run: RunData, grain: str) -> tuple[Period, ...]:
    """Every whole ``grain`` (day, month, quarter, year) inside the run's window."""
    found = []
    day = run.start
    while day < run.end:
        label = {
            "day": day.isoformat(),
            "month": f"{day.year}-{day.month:02d}",
            "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
            "year": str(day.year),
        }[grain]
        period = parse_period(label)
        if period.start >= run.start and period.end <= run.end and period not in found:
            found.append(period)
        day += dt.timedelta(days=1)
    return tuple(found)


def observed_csv(
    run_dir: Path, series: Mapping[str, str], scale: Mapping[str, float] | None = None
) -> str:
    """The CSV ``period,kpi,value`` of the first replication of ``run_dir``: each KPI of
    ``series`` (KPI → grain) over every whole period, times ``scale[kpi]`` when given."""
    run = read_run(run_dir)
    lines = ["period,kpi,value"]
    for kpi, grain in series.items():
        periods = periods_of(run, grain)
        blank = Observed(kpi, periods, (0.0,) * len(periods), (0,) * len(periods))
        values = simulated(run, blank)[:, 0] * (scale or {}).get(kpi, 1.0)
        if run.units().get(kpi) == "fraction":
            values = values.clip(0.0, 1.0)
        lines += [
            f"{p.label},{kpi},{float(v):.6g}"
            for p, v in zip(periods, values, strict=True)
            if v == v  # a period the replication leaves undefined is not observed
        ]
    return "\n".join(lines) + "\n"
