"""``simdata report`` and ``simdata export``: read a results directory, write a page or tables.

Both read only what ``run``, ``capacity``, ``sweep`` or ``compare`` wrote. Bad input — no
such directory, no ``manifest.json``, an unknown kind or language or format — is one line
on stderr, exit 2, and nothing written.
"""

from __future__ import annotations

from pathlib import Path

import click

from simdata.analysis.kpi_filter import KpiFilter
from simdata.cli.common import cli, handle_errors, kpi_filter_options, output_console, plain
from simdata.errors import UsageError
from simdata.report import build_report, export_tables
from simdata.report.export_logs import export_logs


@cli.command("report")
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="zh|en",
    help="Language of every heading, label, caption and verdict.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write. Default: RESULTS_DIR/report.html (en) or report.zh.html (zh).",
)
@kpi_filter_options
@handle_errors
def report_command(
    results_dir: Path,
    lang: str,
    out: Path | None,
    kpi_patterns: tuple[str, ...],
    targets_only: bool,
) -> None:
    """Write RESULTS_DIR/report.html (report.zh.html with --lang zh): verdicts, KPIs with
    CIs, figures; one self-contained file, readable offline. --kpi PATTERN and
    --targets-only choose the rows of its KPI and difference tables."""
    chosen = KpiFilter(kpi_patterns, targets_only)
    report = build_report(results_dir, lang, out, chosen)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    output_console().print(f"wrote {plain(report.path)} ({report.seconds:.1f} s)", highlight=False)


@cli.command("export")
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    metavar="csv|xlsx",
    help="csv: one UTF-8 file (with BOM, for Excel) per table; xlsx: one workbook.",
)
@click.option(
    "--logs",
    is_flag=True,
    help="Write the run's logs in the formats simdata fit reads (requests.csv, node.csv, "
    "enterprises.csv; default into RESULTS_DIR/logs), re-simulating one replication.",
)
@click.option(
    "--replication",
    default=0,
    show_default=True,
    type=int,
    help="With --logs: the replication whose logs are written.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Directory to write into (created if missing). Default: RESULTS_DIR.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="zh|en",
    help="Language of the column headers and verdicts (zh: 通过 / 未通过 / 待定).",
)
@handle_errors
def export_command(
    results_dir: Path,
    fmt: str | None,
    logs: bool,
    replication: int,
    out: Path | None,
    lang: str,
) -> None:
    """Export RESULTS_DIR's tables for Excel/WPS: summary (SI and readable values),
    the scenario's parameters as written, KPIs per replication, per-enterprise and
    per-request tables and the daily series. --logs: the run's logs for simdata fit."""
    console = output_console()
    if fmt is None and not logs:
        raise UsageError("--format: expected csv or xlsx (or --logs), got none")
    if fmt is not None:
        for path in export_tables(results_dir, fmt, out, lang):
            console.print(f"wrote {plain(path)}", highlight=False)
    if logs:
        done = export_logs(results_dir, out, replication)
        for path in done.written:
            console.print(f"wrote {plain(path)}", highlight=False)
        for note in done.notes:
            click.echo(f"note: {note}", err=True)
