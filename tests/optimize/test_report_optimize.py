"""The report page of a ``simdata optimize`` directory, read in a real headless Chromium in
both languages (skip rules as tests/report/test_browser.py): the chosen plan with its cost
in 元 / 万元 and its guarantee, the targets at it, what one step cheaper would break, every
plan with its margins, the frontier figure drawn; and a search interrupted before any plan
was chosen still has a page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.experiments.optimize import optimize
from simdata.report import build_report
from tests.optimize.queueing import write_queue
from tests.report.test_browser import CJK, EXPONENT, browser, offline_page

__all__ = ["browser"]  # the report tests' Chromium fixture, used here

DESIGN = (
    "name: servers-and-queue\n"
    "parameters:\n"
    "  - {path: resolution.servers, name: servers, range: [2, 6], integer: true,"
    " cost: 80000, monotone: true}\n"
    "  - {path: resolution.queue_limit, name: queue, levels: [6, 9, 12, 15, 18],"
    " integer: true, cost: 5000, monotone: true}\n"
    "max_replications: 80\n"
)


def mmck_case(folder: Path) -> tuple[Path, Path]:
    """Servers and queue limit of an M/M/c/K against a 2 % blocking target (both levers
    monotone in blocking, so the pilot check stands): by the formulas the cheapest plan is
    servers 4, queue 12 (1.3 % blocked; one queue step less 3.3 %, one server less 5.6 %)."""
    scenario = write_queue(
        folder / "mmck.yaml",
        3.0,
        1.0,
        ['{kpi: resolution.rejected_share, "<=": "2%"}'],
        horizon_s=1000,
        queue_limit=10,
        servers=4,
    )
    design = folder / "design.yaml"
    design.write_text(DESIGN, encoding="utf-8")
    return scenario, design


@pytest.fixture(scope="module")
def optimize_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-lever search, written to a run directory."""
    folder = tmp_path_factory.mktemp("optimize")
    optimize(*mmck_case(folder), out=folder / "out")
    return folder / "out"


#: What each language's page must say: the cost, the guarantee's opening, the cheaper
#: plans' status and the failing constraint's label.
EXPECTED = {
    "en": ("380,000 元", "with probability ≥ 95 %, plan servers = 4, queue = 12", "infeasible",
           "resolution.rejected_share ≤ 2% fails"),
    "zh": ("38万元", "以不低于 95% 的概率，方案 servers = 4, queue = 12 满足全部目标", "不可行",
           "拒绝请求占比 ≤ 2% 不满足"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_optimize_report_in_a_real_browser(browser: Any, optimize_dir: Path, lang: str) -> None:
    """The page loads offline with no error or request, the figure drawn, and reads right."""
    outcome = CliRunner().invoke(cli, ["report", str(optimize_dir), "--lang", lang])
    assert outcome.exit_code == 0, outcome.output
    path = optimize_dir / ("report.zh.html" if lang == "zh" else "report.html")
    state = offline_page(browser, path)
    text = state["text"]
    cost, guarantee, infeasible, fails = EXPECTED[lang]
    assert cost in text
    assert guarantee in text
    assert EXPONENT.findall(text) == []
    cheaper = next(t for t in state["tables"] if "servers = 3, queue = 12" in t)
    assert "servers = 4, queue = 9" in cheaper  # one row per lever
    assert cheaper.count(infeasible) >= 2
    assert fails in cheaper
    plans = json.loads((optimize_dir / "plan.json").read_text())["plans_evaluated"]
    every = next(t for t in state["tables"] if "★" in t)
    assert len(re.findall(r"^#\d+", every, flags=re.MULTILINE)) == plans
    if lang == "zh":
        assert all(CJK.search(h) for h in state["headings"] if h), state["headings"]


def test_an_interrupted_search_has_a_page(optimize_dir: Path, tmp_path: Path) -> None:
    """Without plan.json (Ctrl-C before the end) the page shows the plans evaluated so far."""
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("candidates.parquet", "scenario.yaml", "design.yaml"):
        (partial / name).write_bytes((optimize_dir / name).read_bytes())
    manifest = json.loads((optimize_dir / "manifest.json").read_text())
    (partial / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    page = build_report(partial, "en").path.read_text(encoding="utf-8")
    assert "Every evaluated plan" in page
    assert "What one step cheaper would break" in page  # the chosen row is in candidates


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_quantile_target_shows_the_share_it_was_judged_on(tmp_path: Path, lang: str) -> None:
    """A p99 target's row gives the pooled p99 and, beside the verdict, the share of
    requests within the threshold that the verdict rests on (the sojourn case of
    test_exact_answers: c = 5 keeps ≥ 99 % within 0.6 s)."""
    scenario = write_queue(
        tmp_path / "mmc.yaml",
        32.0,
        0.1,
        ['{kpi: resolution.sojourn_p99, "<=": 0.6 s}'],
        horizon_s=220,
        servers=8,
    )
    design = tmp_path / "design.yaml"
    design.write_text(
        "parameters:\n"
        "  - {path: resolution.servers, name: servers, range: [1, 8], integer: true,"
        " cost: 80000, monotone: true}\n"
        "max_replications: 40\n"
        "pilot_check: false\n",
        encoding="utf-8",
    )
    optimize(scenario, design, out=tmp_path / "out")
    share = json.loads((tmp_path / "out" / "plan.json").read_text())["targets"][0]["share"]
    assert share["required"] == 0.99
    assert share["ci_low"] >= 0.99
    page = build_report(tmp_path / "out", lang).path.read_text(encoding="utf-8")
    within = "within 600 ms (needs ≥ 99%)" if lang == "en" else "600 毫秒以内占比"
    assert within in page
    assert ("40万元" if lang == "zh" else "400,000 元") in page
