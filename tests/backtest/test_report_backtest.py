"""The report page of a ``simdata backtest`` directory, read in a real headless Chromium in
both languages (skip rules as tests/report/test_browser.py): the verdicts with the test
stated, the figure drawn (band, mean, observations), the per-period table with a row per
observed period, no number in exponent form, no request leaving the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.experiments.backtest import backtest
from simdata.experiments.backtest.observe import observed_csv
from tests.report.test_browser import CJK, EXPONENT, browser, offline_page

__all__ = ["browser"]  # the report tests' Chromium fixture, used here

pytestmark = pytest.mark.unit

SERIES = {"requests.within_sla_share@channel=sharing": "month", "requests.arrivals_count": "day"}


@pytest.fixture(scope="module")
def backtest_dir(fujian_runs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fujian's two months against one more replication, arrivals 20 % above it."""
    folder = tmp_path_factory.mktemp("bt-report")
    observed = folder / "observed.csv"
    scale = {"requests.arrivals_count": 1.2}
    observed.write_text(observed_csv(fujian_runs[1], SERIES, scale), encoding="utf-8")
    backtest(fujian_runs[0], observed, out=folder / "out")
    return folder / "out"


EXPECTED = {
    "en": ("Is the model fit to decide with?", "model too low", "consistent", "Holm"),
    "zh": ("模型是否可用于决策？", "模型偏低", "一致", "Holm"),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_backtest_report_in_a_real_browser(browser: Any, backtest_dir: Path, lang: str) -> None:
    outcome = CliRunner().invoke(cli, ["report", str(backtest_dir), "--lang", lang])
    assert outcome.exit_code == 0, outcome.output
    path = backtest_dir / ("report.zh.html" if lang == "zh" else "report.html")
    state = offline_page(browser, path)
    text = state["text"]
    question, too_low, consistent, holm = EXPECTED[lang]
    assert question in text
    assert too_low in text
    assert consistent in text
    assert holm in text
    assert EXPONENT.findall(text) == []
    days = 31 + 28  # January and February 2026, one row per observed day
    assert state["rows"][:2] == [1 + 2, 1 + 2 + days]  # header + KPIs; header + periods
    if lang == "zh":
        assert all(CJK.search(h) for h in state["headings"] if h), state["headings"]
