"""Translations: every registered KPI, verdict, caption and breakdown has its Chinese text."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from simdata.analysis.kpis import REGISTRY
from simdata.report import i18n
from simdata.report.plots.common import Canvas

pytestmark = pytest.mark.unit

CJK = re.compile(r"[\u3400-\u9fff]")
PLOT_KEYS = (
    "time_to_data",
    "flow",
    "utilisation",
    "funnel",
    "registrations",
    "resolutions",
    "qualified",
    "conditions",
    "latency_cdf",
    "node_utilisation",
    "capacity",
    "sobol",
    "morris",
    "tornado",
    "forest",
)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_kpi_has_a_chinese_label(name: str) -> None:
    """A KPI added to the registry without a Chinese label fails here."""
    assert CJK.search(REGISTRY[name].label_zh), name
    assert CJK.search(i18n.kpi_label(name, "zh"))


@pytest.mark.parametrize("verdict", i18n.VERDICTS)
def test_every_verdict_is_translated(verdict: str) -> None:
    """pass / fail / undecided read as Chinese words in zh."""
    assert CJK.search(i18n.verdict_label(verdict, "zh"))
    assert i18n.verdict_label(verdict, "en") == verdict


@pytest.mark.parametrize("key", PLOT_KEYS)
def test_every_figure_has_title_and_caption_in_both_languages(key: str) -> None:
    """Each figure's title and one-sentence caption exist in en and zh."""
    for part in ("title", "caption"):
        entry = i18n.TEXT[f"{part}.{key}"]
        assert entry["en"].strip()
        assert CJK.search(entry["zh"]), f"{part}.{key}"
    assert i18n.TEXT[f"caption.{key}"]["en"].rstrip().endswith(".")
    assert i18n.TEXT[f"caption.{key}"]["zh"].rstrip().endswith("。")


def test_every_text_entry_has_both_languages() -> None:
    """No heading or label lacks its zh (or en) entry."""
    assert i18n.missing_translations([]) == []
    for key, entry in i18n.TEXT.items():
        assert set(entry) == set(i18n.LANGS), key


def test_breakdowns_of_real_runs_translate(identifier_run: Path, public_run: Path) -> None:
    """Every KPI and @dimension=value the shipped models write has a Chinese name."""
    names: list[str] = []
    for run in (identifier_run, public_run):
        names += pl.read_parquet(run / "summary.parquet")["kpi"].to_list()
    assert i18n.missing_translations(names) == []


def test_kpi_labels_with_breakdowns() -> None:
    """Breakdown suffixes get translated dimension and value names."""
    name = "requests.time_to_data_p90@kind=enterprise"
    assert i18n.kpi_label(name, "zh") == "数据获取时长第90百分位（请求方类型：企业）"
    assert i18n.kpi_label(name, "en") == "requests.time_to_data_p90 (requester kind: enterprise)"
    assert i18n.kpi_label("registrations.total_count@year=2025", "zh").endswith("（年份：2025年）")


def test_values_read_naturally() -> None:
    """Durations scale to the largest fitting unit in each language; fractions as percent."""
    assert i18n.format_value(0.0741, "s", "en") == "74.1 ms"
    assert i18n.format_value(0.0741, "s", "zh") == "74.1 毫秒"
    assert i18n.format_value(172_800, "s", "zh") == "2 天"
    assert i18n.format_value(0.9613, "fraction", "en") == "96.13%"
    assert i18n.format_value(float("nan"), "count", "en") == "—"


def test_canvas_texts_follow_the_language() -> None:
    """The canvas hands figures their words in the report's language."""
    assert Canvas("zh", None).t("title.funnel") == "请求流转漏斗"
    assert Canvas("en", None).t("title.funnel") == "Request funnel"
