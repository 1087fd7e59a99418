"""What every ``simdata`` subcommand shares: the click group, error handling, options, display.

Each subcommand lives in its own module of this package and registers itself on
:data:`cli` when :mod:`simdata.cli` imports it.

Exit codes: 0 when it ran (whatever the verdicts); 1 with ``--strict`` when a target
failed, or when a replication raised; 2 on bad input (one line
``FILE:LINE: field.path: expected …, got …``, nothing written); 130 on Ctrl-C.
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
import numpy as np
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from simdata.analysis.kpi_filter import KpiFilter
from simdata.cli.names import NAME, VALUE, NameCell
from simdata.errors import SimdataError

F = TypeVar("F", bound=Callable[..., Any])


class OneLineErrors(click.Group):
    """The group, with click's own usage errors (an unknown option, ``--confidence 1``,
    ``--replications abc``) as one line naming the command, exit 2 — like every other bad
    input — instead of click's usage block."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        standalone = kwargs.pop("standalone_mode", True)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.exceptions.NoArgsIsHelpError as error:
            if not standalone:
                raise
            click.echo(error.format_message())  # bare `simdata`: the help, as click gives it
            sys.exit(error.exit_code)
        except click.UsageError as error:
            if not standalone:
                raise
            where = error.ctx.command_path if error.ctx is not None else "simdata"
            hint = f" (see {where} --help)"
            click.echo(f"{where}: {error.format_message()}{hint}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            if not standalone:
                raise
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            if not standalone:
                raise
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simdata")
def cli() -> None:
    """simdata: simulate public-data sharing and identifier-resolution plans, with CIs."""


set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario field, e.g. --set resolution.servers=4 (list items by index).",
)

out_option = click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Results directory to create (must be new or empty). Default: results/<UTC time>-<hex>/.",
)


workers_option = click.option(
    "--workers",
    type=int,
    help="Local worker processes. Default: one per core, started only when the "
    "replications would take more than a few seconds serially; 1 runs in this process.",
)
scheduler_option = click.option(
    "--scheduler",
    metavar="ADDR",
    help="Run on a Dask distributed scheduler, e.g. tcp://10.0.0.5:8786 (needs simdata[dask]).",
)


def kpi_filter_options(command: F) -> F:
    """``--kpi PATTERN`` (repeatable glob) and ``--targets-only``: the rows a table shows."""
    command = click.option(
        "--targets-only", is_flag=True, help="Show only the KPIs a target names."
    )(command)
    return click.option(
        "--kpi",
        "kpi_patterns",
        multiple=True,
        metavar="PATTERN",
        help="Show only KPIs matching this glob, e.g. --kpi 'resolution.*' (repeatable; "
        "the files keep every KPI).",
    )(command)


def warn_unmatched(chosen: KpiFilter, names: Sequence[str]) -> None:
    """One warning line per ``--kpi`` pattern that matched nothing (a typo shows no rows)."""
    for pattern in chosen.unmatched(names):
        click.echo(f"warning: --kpi {printable(pattern)!r}: matches no KPI here", err=True)


def handle_errors(command: F) -> F:
    """Turn simdata's errors into one line on stderr and their exit code; Ctrl-C into 130."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SimdataError as error:
            click.echo(printable(error), err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as error:
            from simdata.experiments.run.loop import wrapped_interrupt

            if not wrapped_interrupt(error):
                raise
            click.echo("interrupted", err=True)  # a Ctrl-C pydantic re-raised as its own
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


#: C0 and C1 control characters and DEL: a name holding ESC could recolour or retitle the
#: terminal, a CR could overwrite the line before it.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """``text`` with control characters shown as ``\\xNN`` instead of reaching the terminal."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", str(text))


def plain(text: object) -> str:
    """A user string (scenario or parameter name, path, error text) made safe to print
    through rich: markup escaped (``[/]`` would crash rich, ``[link=…]`` would become a
    live link) and control characters shown as ``\\xNN``."""
    return escape(printable(text))


def overrides(sets: tuple[str, ...], replications: int | None, seed: int | None) -> list[str]:
    """``--set`` values, then ``--replications``/``--seed`` as overrides (validated alike)."""
    extra = []
    if replications is not None:
        extra.append(f"run.replications={replications}")
    if seed is not None:
        extra.append(f"run.seed={seed}")
    return [*sets, *extra]


def output_console() -> Console:
    """The stdout console; wide enough for the KPI table when piped, unless ``COLUMNS``
    names a width (a script that wants the 80-column layout, a test of it)."""
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = Console(width=max(console.width, 120))
    return console


def progress_bar(console: Console) -> Progress:
    """The one progress-bar style of every long command (drawn by the parent process only)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


#: A table cell: rich markup, or a :class:`NameCell` that says itself where it may break.
Cell = str | NameCell


def readable_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    title: str | None = None,
    caption: str | None = None,
    right: Sequence[str] = (),
    width: int | None = None,
) -> ReadableTable:
    """A table whose numbers, CIs and verdicts are never cut: every column but the first
    (the name) keeps the width of its widest cell, and the first column folds onto more
    lines when the terminal is narrow — only after a ``.``, before an ``@`` or at a space
    (:class:`~simdata.cli.names.NameCell`), never inside a word. A table too wide for the
    terminal (``width``, else the console's when printed) stacks its headers' words, then
    drops its outer edge, then lets text columns break at a CI's comma (``[1.2 ms,`` /
    ``3.4 ms]``), so an 80-column terminal cuts no column. Cells may hold rich markup."""
    return ReadableTable(headers, rows, title, caption, right, width)


@dataclass(frozen=True)
class ReadableTable:
    """:func:`readable_table`'s table, laid out for the width it is printed at."""

    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    title: str | None = None
    caption: str | None = None
    right: Sequence[str] = ()
    width: int | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(self.width if self.width is not None else options.max_width)

    def table(self, width: int) -> Table:
        """The rich table for a terminal ``width`` cells wide."""
        layout = _Layout(self.headers, self.rows, self.right)
        for step in ("stacked", "narrow", "wrapped"):
            if layout.width() <= width:
                break
            setattr(layout, step, True)
        table = Table(title=self.title, caption=self.caption, show_edge=not layout.narrow)
        table.pad_edge = not layout.narrow
        widths = layout.widths(width)
        for index, header in enumerate(self.headers):
            justify: Literal["left", "right"] = "right" if header in self.right else "left"
            table.add_column(
                layout.header(index),
                no_wrap=not layout.wraps(index),
                width=widths[index],
                min_width=min(widths[index], layout.column(index)),
                justify=justify,
            )
        for row in self.rows:
            table.add_row(*(layout.cell(index, cell) for index, cell in enumerate(row)))
        return table


def table_fits(
    headers: Sequence[str], rows: Sequence[Sequence[Cell]], width: int, right: Sequence[str] = ()
) -> bool:
    """Whether :func:`readable_table` can show these rows in ``width`` cells, cutting none."""
    layout = _Layout(headers, rows, right)
    layout.stacked = layout.narrow = layout.wrapped = True
    return layout.width() <= width


def _plain(cell: Cell) -> str:
    return cell.text.plain if isinstance(cell, NameCell) else Text.from_markup(cell).plain


class _Layout:
    """How much a table needs: each column's narrowest width at the chosen compaction."""

    def __init__(
        self, headers: Sequence[str], rows: Sequence[Sequence[Cell]], right: Sequence[str]
    ) -> None:
        self.headers, self.rows, self.right = headers, rows, right
        self.stacked = self.narrow = self.wrapped = False

    def header(self, index: int) -> str:
        header = self.headers[index]
        return header.replace(" ", "\n") if self.stacked and index else header

    def wraps(self, index: int) -> bool:
        """The name column wraps; other text columns (not numbers, which are right-aligned)
        only once nothing else fits."""
        return index == 0 or (self.wrapped and self.headers[index] not in self.right)

    def cell(self, index: int, cell: Cell) -> Cell:
        if isinstance(cell, NameCell) or not self.wraps(index):
            return cell
        return NameCell(cell, NAME if index == 0 else VALUE)

    def column(self, index: int, *, widest: bool = False) -> int:
        """The column's narrowest width (its widest unbreakable piece of cell or header),
        or with ``widest`` the width that wraps nothing."""
        cells = [row[index] for row in self.rows]
        if self.wraps(index) and not widest:
            shown = [self.cell(index, c) for c in cells]
            size = max((c.narrowest() for c in shown if isinstance(c, NameCell)), default=0)
        else:
            lines = [line for c in cells for line in _plain(c).split("\n")]
            size = max((cell_len(line) for line in lines), default=0)
        # A name column is at least 12 wide (a name cut into 5-cell pieces reads badly);
        # a column of short cells (point numbers) is as wide as they are.
        longest = max((cell_len(_plain(c)) for c in cells), default=0)
        floor = min(12, longest) if index == 0 else 0
        return max(floor, size, *(cell_len(line) for line in self.header(index).split("\n")))

    def width(self) -> int:
        """Cells the whole table needs (padding 1 each side, a rule between columns)."""
        return sum(self.column(i) for i in range(len(self.headers))) + self.overhead()

    def overhead(self) -> int:
        return 3 * (len(self.headers) - 1) + (0 if self.narrow else 4)

    def widths(self, width: int) -> list[int]:
        """Every column its narrowest, then the room left to the wrapping columns (the name
        last), each up to what it needs."""
        sizes = [self.column(i) for i in range(len(self.headers))]
        room = width - sum(sizes) - self.overhead()
        if room < 0:  # nothing else left to give: the name folds inside its longest piece
            sizes[0] = max(12, sizes[0] + room)
        for index in [*range(1, len(sizes)), 0]:  # a CI on one line before a long name
            if room <= 0 or not self.wraps(index):
                continue
            extra = min(room, self.column(index, widest=True) - sizes[index])
            sizes[index] += extra
            room -= extra
        return list(sizes)


def fmt(value: float | None, unit: str | None = None) -> str:
    """A value for the terminal: seconds scaled to ms/µs, fractions as percent, four
    significant digits and never an exponent (``0.0000007366%``, ``12,350/s``).

    Files keep SI values; this is display only.
    """
    if value is None or math.isnan(value):
        return "—"
    if unit == "s" and value != 0 and abs(value) < 1:
        scale, suffix = (1e3, " ms") if abs(value) >= 1e-3 else (1e6, " µs")
        return f"{_sig(value * scale)}{suffix}"
    if unit == "s":
        for size, suffix in ((86_400.0, " d"), (3_600.0, " h"), (60.0, " min")):
            if abs(value) >= size:
                return f"{_sig(value / size)}{suffix}"
        return f"{_sig(value)} s"
    if unit == "workday":
        return f"{_sig(value)} wd"
    if unit == "fraction":
        return f"{_sig(value * 100)}%"
    if unit == "1/s":
        return f"{_sig(value)}/s"
    if unit == "yuan":  # money: 元 with thousands separators, never a count
        return f"{value:,.0f} 元" if abs(value) >= 1_000 else f"{_sig(value)} 元"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return _sig(value)


def _sig(value: float) -> str:
    """Four significant digits, positional (no ``e-07``); thousands separated from 10,000."""
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-")
