"""``simdata backtest``: a run confronted with the KPIs observed over its period (issue 18).

The observed file is a long table ``period, kpi, value`` (docs/backtest.md, ``simdata
backtest --template``); :func:`backtest` returns per period where each observation falls
among the replications and per KPI a verdict — consistent, model too high, model too low.
"""

from simdata.experiments.backtest.confront import BACKTEST_SCHEMA, BacktestResult, backtest
from simdata.experiments.backtest.judge import TEST, VERDICTS
from simdata.experiments.backtest.observed import TEMPLATE, parse_period, read_observed
from simdata.experiments.backtest.simulated import IDENTIFIER_SERIES, read_run

__all__ = [
    "BACKTEST_SCHEMA",
    "IDENTIFIER_SERIES",
    "TEMPLATE",
    "TEST",
    "VERDICTS",
    "BacktestResult",
    "backtest",
    "parse_period",
    "read_observed",
    "read_run",
]
