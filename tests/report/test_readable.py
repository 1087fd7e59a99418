"""What a planner reads in a report: plain numbers, axes without an exponent, labels clear
of error bars, replications from 1, the capacity curve through the capacity."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from simdata.report import i18n
from simdata.report.fonts import find_cjk_font
from simdata.report.numbers import plain_number
from simdata.report.plots.capacity import load_at_latency
from simdata.report.plots.common import Canvas, _whiskers, clear_error_bars, readable_axes

pytestmark = pytest.mark.unit

EXPONENT = re.compile(r"\d[eE][+-]?\d|×10|\^")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plain_numbers_never_have_an_exponent(lang: str) -> None:
    """From 10⁻⁹ to 10¹², positive and negative, no number is written with an exponent."""
    for value in np.geomspace(1e-9, 1e12, 400):
        for signed in (value, -value):
            assert not EXPONENT.search(plain_number(float(signed), lang)), signed


def test_large_numbers_group_by_language() -> None:
    """Thousands separators in English, 万 and 亿 in Chinese; money in 元."""
    assert plain_number(12_345.6, "en") == "12,346"
    assert plain_number(12_345.6, "zh") == "1.235万"
    assert plain_number(3.2e8, "zh") == "3.2亿"
    assert plain_number(1.2e7, "en") == "12,000,000"
    assert plain_number(0.0001234, "en") == "0.0001234"
    assert i18n.format_value(2.5e6, "yuan", "zh") == "250万 元"
    assert i18n.format_value(150.0, "1/s", "zh") == "150 次/秒"
    assert "e" not in i18n.format_value(2.5e-5, "fraction", "en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_axes_have_no_offset_and_no_exponent(lang: str) -> None:
    """A linear axis up to 2·10⁷ and a log axis over six decades label every tick plainly."""
    canvas = Canvas(lang=lang, cjk_font=find_cjk_font())
    with canvas.figure() as figure:
        linear, log = figure.subplots(1, 2)
        linear.plot([0, 1, 2], [1.00001e7, 1.00002e7, 2e7])
        log.plot([1e-3, 1e3], [1, 2])
        log.set_xscale("log")
        readable_axes(figure, lang)
        figure.draw_without_rendering()
        labels = [
            tick.get_text()
            for axes in (linear, log)
            for axis in (axes.xaxis, axes.yaxis)
            for tick in axis.get_ticklabels(which="both")
        ]
        offsets = [axes.yaxis.get_offset_text().get_text() for axes in (linear, log)]
    assert [label for label in labels if EXPONENT.search(label)] == []
    assert offsets == ["", ""]
    assert any(("万" if lang == "zh" else ",") in label for label in labels), labels


def test_value_labels_move_off_error_bars() -> None:
    """A value label written where its bar's wide CI whisker runs is moved past the cap."""
    canvas = Canvas(lang="en", cjk_font=None)
    with canvas.figure() as figure:
        axes = figure.subplots()
        axes.barh([0, 1], [40, 60], xerr=[[5, 5], [30, 2]], capsize=4)
        label = axes.text(41, 0, "40.0%", va="center")
        axes.set_xlim(0, 110)
        FigureCanvasAgg(figure)
        clear_error_bars(figure)
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        box = label.get_window_extent(renderer)
        whisker = [s for s in _whiskers(axes) if abs(s[0][1]) < 0.01 and s[1][0] - s[0][0] > 1]
        right = axes.transData.transform(whisker[0][1])
    assert label.get_position()[0] >= 70
    assert box.x0 >= right[0] - 1


def test_no_replication_counted_from_zero() -> None:
    """Every text counts replications from 1 (第1次重复), in both languages."""
    for entry in i18n.TEXT.values():
        assert "replication 0" not in entry["en"]
        assert "第0次" not in entry["zh"]
    assert i18n.text("replication_0", "zh") == "第1次重复"


def test_one_word_for_replications_in_chinese() -> None:
    """重复 is the word for a replication; no 重复运行 / 复制 / 运行次数 beside it."""
    for entry in i18n.TEXT.values():
        assert not re.search(r"重复运行|复制|运行次数", entry["zh"]), entry["zh"]


def test_capacity_curve_crosses_the_sla_at_the_capacity(capacity_dir: Path) -> None:
    """The load-averaged p99 curve reaches the SLA threshold at the reported capacity (the
    mean of the replications' crossings), where the pooled grid curve need not."""
    curve = pl.read_parquet(capacity_dir / "curve.parquet")
    capacity = json.loads((capacity_dir / "capacity.json").read_text())
    at_sla = load_at_latency(curve, "latency_p99_s", np.array([0.1]))[0]
    assert at_sla == pytest.approx(capacity["capacity"], rel=0.01)
