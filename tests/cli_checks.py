"""Shared checks of the bad-input table tests: one error line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with its one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def tree(root: Path) -> list[str]:
    """Every file and directory under ``root``, relative, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def one_line_error(result: Result) -> str:
    """The single stderr line of a CLI call that exited 2 without a traceback."""
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, out
    message = result.stderr.strip()
    assert message
    assert "\n" not in message, message
    return message
