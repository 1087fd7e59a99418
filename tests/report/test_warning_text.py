"""Every warning simdata writes into a manifest has a Chinese translation.

The warnings are found in the source, not listed by hand: every string appended to a
``…warnings`` list, returned from a ``…_warning(s)`` function or passed as ``warnings=``.
Each is rendered with sample values for its placeholders and must match a pattern of
:mod:`simdata.report.warning_text` — so a new warning fails here until it is translated.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polars as pl
import pytest

import simdata
from simdata.analysis.quantiles import PooledQuantile
from simdata.analysis.stats import Estimate
from simdata.analysis.summary import guard_warnings
from simdata.model.calendar import _year_warning
from simdata.report.warning_text import CJK_RE, match_warning, translate_warning

pytestmark = pytest.mark.unit

PACKAGE = Path(simdata.__file__).parent
#: Placeholder expressions whose sample must be real text (the rest get "1").
SAMPLES = {"row['note']": PooledQuantile(Estimate(0.1, 0.09, 0.11, 0.01, 3), 50.0).note(0.99)}


def _render(node: ast.expr) -> str:
    """A string expression with every placeholder replaced by a sample value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_render(part) for part in node.values)
    if isinstance(node, ast.FormattedValue):
        return SAMPLES.get(ast.unparse(node.value), "1")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _render(node.left) + _render(node.right)
    if isinstance(node, ast.IfExp):
        return _render(node.body)
    return "1"


def _strings(node: ast.expr) -> list[ast.expr]:
    """The string expressions a list, comprehension or single value holds."""
    if isinstance(node, ast.List):
        return [e for e in node.elts if not isinstance(e, ast.Starred)]
    if isinstance(node, ast.ListComp | ast.GeneratorExp):
        return [node.elt]
    if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
        return [node]
    return []


def _emitted() -> dict[str, str]:
    """``path:line`` → sample text of every warning the package can write."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "report" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            warns = function.name.endswith(("_warning", "_warnings"))
            for node in ast.walk(function):
                values: list[ast.expr] = []
                if warns and isinstance(node, ast.Return) and node.value is not None:
                    values = _strings(node.value)
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    owner = ast.unparse(node.func.value)
                    if (
                        node.func.attr in ("append", "extend") and owner.endswith("warnings_out")
                    ) or (node.func.attr == "append" and owner.endswith(".warnings")):
                        values = [v for arg in node.args for v in _strings(arg)]
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg == "warnings":
                            values += _strings(keyword.value)
                elif isinstance(node, ast.Assign) and any(
                    ast.unparse(t) == "warnings_out" for t in node.targets
                ):
                    values = _strings(node.value)
                for value in values:
                    text = _render(value)
                    if re.search(r"[A-Za-z]{3}", text):  # not a sum of calls
                        found[f"{path.relative_to(PACKAGE)}:{value.lineno}"] = text
    return found


def test_the_scan_finds_the_known_warnings() -> None:
    """The source scan sees the warnings of every layer that writes them."""
    emitted = _emitted()
    places = {where.split(":")[0] for where in emitted}
    assert len(emitted) >= 10, emitted
    for module in ("calendar.py", "diagnostics.py", "summary.py", "compare.py", "runner.py"):
        assert any(place.endswith(module) for place in places), (module, places)


def test_every_emitted_warning_has_a_chinese_translation() -> None:
    """Each warning in the source matches a pattern, and its Chinese text is Chinese."""
    untranslated = {
        where: text for where, text in _emitted().items() if match_warning(text) is None
    }
    assert untranslated == {}
    for text in _emitted().values():
        shown = translate_warning(text, "zh")
        assert CJK_RE.search(shown)
        assert "未翻译" not in shown
        assert "{" not in shown


def test_real_warnings_translate_with_their_values() -> None:
    """The calendar and tail-guard warnings as the code writes them keep their numbers."""
    year = translate_warning(_year_warning(2041), "zh")
    assert "2041 年" in year
    assert "calendar.holiday_file" in year
    summary = pl.DataFrame(
        {
            "kpi": ["resolution.latency_p99"],
            "target": ["<= 60 ms"],
            "note": [PooledQuantile(Estimate(0.05, 0.04, 0.06, 0.01, 3), 50.0).note(0.99)],
        }
    )
    (warning,) = guard_warnings(summary)
    shown = translate_warning(warning, "zh")
    assert shown.startswith("resolution.latency_p99 <= 60 ms：待定")
    assert "50 个" in shown
    assert "100 个" in shown
    assert translate_warning(warning, "en") == warning


def test_an_unknown_warning_says_it_is_untranslated() -> None:
    """A warning with no pattern is shown in English behind a Chinese lead-in, not dropped."""
    assert translate_warning("something new", "zh") == "警告（未翻译原文）：something new"
