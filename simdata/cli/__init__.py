"""The ``simdata`` command line (click); one module per subcommand, registered on import.

Exit codes: 0 when it ran (whatever the verdicts); 1 with ``--strict`` when a target
failed, or when a replication raised; 2 on bad input (one line
``FILE:LINE: field.path: expected …, got …``, nothing written); 130 on Ctrl-C.

The subcommands (and the heavy libraries they need: polars, numba, SciPy — about a second
of imports) load inside :func:`main`, so a Ctrl-C during those imports is the same one
line and exit 130 as a Ctrl-C during a run, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simdata.cli.common import cli, fmt

__all__ = ["cli", "fmt", "main"]

_COMMANDS = (
    "backtest_command",
    "capacity_command",
    "compare_command",
    "fit_command",
    "info_commands",
    "optimize_command",
    "report_command",
    "run_command",
    "sweep_command",
)


def _load() -> Any:
    """Import every subcommand module (each registers itself) and return the common module."""
    for name in _COMMANDS:
        importlib.import_module(f"simdata.cli.{name}")
    return importlib.import_module("simdata.cli.common")


def __getattr__(name: str) -> Any:
    if name in ("cli", "fmt"):
        return getattr(_load(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    try:
        common = _load()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    common.cli(prog_name="simdata")
