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
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

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
    """The stdout console; wide enough for the KPI table when piped."""
    console = Console()
    if not console.is_terminal:
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


def readable_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    caption: str | None = None,
    right: Sequence[str] = (),
) -> Table:
    """A table whose numbers, CIs and verdicts are never cut: every column but the first
    (the name) keeps the width of its widest cell, and the first column folds onto more
    lines when the terminal is narrow. Cells may hold rich markup."""
    table = Table(title=title, caption=caption)
    for index, header in enumerate(headers):
        justify: Literal["left", "right"] = "right" if header in right else "left"
        if index == 0:
            table.add_column(header, overflow="fold", min_width=12, justify=justify)
            continue
        widest = max((cell_len(Text.from_markup(row[index]).plain) for row in rows), default=0)
        table.add_column(
            header,
            no_wrap=True,
            min_width=max(widest, cell_len(header)),
            justify=justify,
        )
    for row in rows:
        table.add_row(*row)
    return table


def fmt(value: float | None, unit: str | None = None) -> str:
    """A value for the terminal: seconds scaled to ms/µs, fractions as percent.

    Files keep SI values; this is display only.
    """
    if value is None or math.isnan(value):
        return "—"
    if unit == "s" and value != 0 and abs(value) < 1:
        scale, suffix = (1e3, " ms") if abs(value) >= 1e-3 else (1e6, " µs")
        return f"{value * scale:.4g}{suffix}"
    if unit == "s":
        for size, suffix in ((86_400.0, " d"), (3_600.0, " h"), (60.0, " min")):
            if abs(value) >= size:
                return f"{value / size:.4g}{suffix}"
        return f"{value:.4g} s"
    if unit == "workday":
        return f"{value:.4g} wd"
    if unit == "fraction":
        return f"{value * 100:.4g}%"
    if unit == "1/s":
        return f"{value:.4g}/s"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"
