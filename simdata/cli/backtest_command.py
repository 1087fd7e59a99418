"""``simdata backtest``: a run confronted with observed KPIs, one verdict per KPI (issue 18).

Bad input — no such run, an unfinished or undated run, a missing column, an unknown KPI
(answered with the names this run can be backtested on), an unreadable period or value, a
period outside the run — is one line ``FILE:ROW: COLUMN: expected …, got …``, exit 2,
nothing written.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from simdata.cli.common import cli, handle_errors, output_console, plain
from simdata.errors import UsageError
from simdata.experiments.backtest import TEMPLATE, BacktestResult, backtest
from simdata.results import default_run_dir


def _renames(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--map COLUMN=FIELD`` pairs as a rename mapping (one line, exit 2, when malformed)."""
    renames = {}
    for pair in pairs:
        column, sep, name = pair.partition("=")
        if not sep or not column.strip() or not name.strip():
            raise UsageError(f"--map: expected COLUMN=FIELD, got {pair!r}")
        renames[column.strip()] = name.strip()
    return renames


_STYLE = {"consistent": "bold green", "model too high": "bold red", "model too low": "bold red"}


def _print(result: BacktestResult) -> None:
    """One line per KPI: verdict, periods outside the interval, mean percentile, p (Holm)."""
    console = output_console()
    for record in result.verdicts:
        style = _STYLE.get(record["verdict"], "yellow")
        pct = record["mean_percentile"]
        pct_text = "—" if pct is None else f"{pct:.0f}"
        p = record["p_holm"]
        p_text = "—" if p is None or math.isnan(p) else ("< 0.001" if p < 0.001 else f"{p:.3f}")
        console.print(
            f"{record['kpi']}: [{style}]{record['verdict']}[/] — {record['periods']} periods, "
            f"{record['outside']} outside the 95% predictive interval, mean percentile "
            f"{pct_text}, p (Holm) {p_text}",
            highlight=False,
        )


@cli.command("backtest")
@click.argument("run_dir", required=False, type=click.Path(path_type=Path))
@click.argument("observed", required=False, type=click.Path(path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read your column COLUMN as period, kpi or value (repeatable).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Results directory to write. Default: results/<UTC time>-<hex>/.",
)
@click.option("--template", is_flag=True, help="Print a template of the observed file and exit.")
@handle_errors
def backtest_command(
    run_dir: Path | None,
    observed: Path | None,
    maps: tuple[str, ...],
    out: Path | None,
    template: bool,
) -> None:
    """Confront RUN_DIR (a finished simdata run) with OBSERVED (CSV in UTF-8 or GBK, xlsx
    or Parquet: period, kpi, value) and judge each KPI: consistent, model too high or
    model too low (docs/backtest.md)."""
    if template:
        click.echo(TEMPLATE, nl=False)
        return
    if run_dir is None or observed is None:
        raise UsageError("expected RUN_DIR and OBSERVED (or --template), got too few arguments")
    target = out if out is not None else default_run_dir()
    result = backtest(run_dir, observed, _renames(maps), target, argv=sys.argv)
    _print(result)
    output_console().print(f"wrote {plain(target)}", highlight=False)
