"""The package keeps the shape that makes it readable (STYLE.md, issue 16): layers import only
to their left, modules stay under 500 lines (data tables excepted) and functions under 60."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.unit

PACKAGE = REPO / "simdata"
#: Layers, left to right: a module may import its own layer and those to its left.
#: ``results`` (run-directory files and manifest models) depends on nothing but ``errors``.
LAYERS = ("scenario", "engine", "model", "results", "analysis", "experiments", "report", "cli")
#: Data tables, not logic: the report's bilingual labels.
LONG_MODULES = {"simdata/report/i18n.py"}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_layers_import_only_to_their_left() -> None:
    """No module imports a layer to the right of its own (lazy imports included)."""
    rank = {layer: index for index, layer in enumerate(LAYERS)}
    backward = []
    for path in _modules():
        parts = path.relative_to(PACKAGE).parts
        layer = parts[0] if len(parts) > 1 else None
        if layer not in rank:
            continue
        for line, module in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = [*module.split("."), ""]
            target = rank.get(names[1], -1) if names[0] == "simdata" else -1
            if target > rank[layer]:
                backward.append(f"{_name(path)}:{line} imports {module}")
    assert not backward, "\n".join(backward)


def test_modules_are_under_500_lines() -> None:
    """Every module but the data tables is at most 500 lines."""
    long = [
        f"{_name(path)}: {length} lines"
        for path in _modules()
        if _name(path) not in LONG_MODULES
        and (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, "\n".join(long)


def test_functions_are_under_60_lines() -> None:
    """Every function and method is at most 60 lines (decorators excluded)."""
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{_name(path)}:{node.lineno} {node.name}: {length} lines")
    assert not long, "\n".join(long)
