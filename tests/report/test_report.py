"""report.html: what each kind shows, in both languages, self-contained and escaped."""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.report import build_report, fonts, write_report
from simdata.report import html as report_html
from simdata.report.fonts import FontWarning
from simdata.report.i18n import kpi_label
from simdata.report.plots.capacity import capacity_band, shared_loads
from tests.cli_checks import one_line_error, tree
from tests.report.conftest import (
    CAPACITIES,
    CAPACITY_GRID,
    SWEEP_NOISE,
    XSS_DESCRIPTION,
    XSS_NAME,
)

pytestmark = pytest.mark.unit

FIGURE = re.compile(
    r'<figure id="fig-(\w+)">\s*<h3>([^<]+)</h3>\s*<img src="([^"]+)"[^>]*>\s*'
    r"<figcaption>([^<]+)</figcaption>"
)


def figures(page: str) -> dict[str, tuple[str, str, str]]:
    """Figure key → (title, image source, caption)."""
    return {m[1]: (m[2], m[3], m[4]) for m in FIGURE.finditer(page)}


def assert_self_contained(page: str) -> None:
    """No URL other than data: anywhere the browser would fetch or link."""
    for attribute in re.findall(r'(?:src|href|action|poster)\s*=\s*"([^"]*)"', page):
        assert attribute.startswith("data:"), attribute
    assert "url(" not in page
    assert "@import" not in page
    assert not re.search(r"https?://", page)


def test_identifier_run_report(identifier_run: Path) -> None:
    """An identifier run shows verdicts, KPIs, scenario, provenance and its six figures."""
    path = write_report(identifier_run)
    assert path == identifier_run / "report.html"
    page = path.read_text(encoding="utf-8")
    assert_self_contained(page)
    shown = figures(page)
    assert set(shown) >= {
        "registrations",
        "resolutions",
        "qualified",
        "conditions",
        "latency_cdf",
        "node_utilisation",
    }
    for title, source, caption in shown.values():
        assert title.strip()
        assert caption.strip().endswith(".")
        assert source.startswith("data:image/png;base64,")
        assert len(source) > 2_000
    assert 'class="badge pass"' in page or 'class="badge fail"' in page
    assert "subsidy.qualified_count" in page
    manifest = json.loads((identifier_run / "manifest.json").read_text(encoding="utf-8"))
    assert str(manifest["root_seed"]) in page
    assert "<details><summary>Resolved scenario (scenario.yaml)</summary>" in page


def test_public_data_run_report_zh(public_run: Path) -> None:
    """A public-data run in Chinese: its four figures, Chinese headings, KPI labels, verdicts."""
    report = build_report(public_run, "zh")
    page = report.path.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert set(figures(page)) >= {"time_to_data", "flow", "utilisation", "funnel"}
    assert '<html lang="zh-CN">' in page
    for heading in ("目标判定", "关键绩效指标", "图表", "情景", "运行信息"):
        assert f"<h2>{heading}</h2>" in page
    assert "时限内办结占比（渠道：共享）" in page
    assert re.search(r'class="badge (pass|fail|undecided)">(通过|未通过|待定)<', page)
    for english in ("Verdicts", "Key performance indicators", "Figures", "Provenance"):
        assert english not in page
    assert report.warnings == []


def test_node_report_escapes_scenario_text(hostile_run: Path) -> None:
    """A scenario named <script>… with an <img onerror> description shows both as text."""
    page = write_report(hostile_run).read_text(encoding="utf-8")
    assert XSS_NAME not in page
    assert XSS_DESCRIPTION not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script" not in page.lower()
    assert_self_contained(page)
    assert {"latency_cdf", "node_utilisation"} <= set(figures(page))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_experiment_reports(
    capacity_dir: Path, sweep_dir: Path, morris_sweep_dir: Path, compare_dir: Path, lang: str
) -> None:
    """Capacity, sweep and compare directories get their own figures and tables."""
    expected = {
        capacity_dir: {"capacity"},
        sweep_dir: {"sobol", "tornado", "sobol_2", "tornado_2"},
        morris_sweep_dir: {"morris", "tornado", "morris_2", "tornado_2"},
        compare_dir: {"forest"},
    }
    for directory, keys in expected.items():
        page = build_report(directory, lang).path.read_text(encoding="utf-8")
        assert_self_contained(page)
        assert set(figures(page)) == keys, directory.name
    name = "report.zh.html" if lang == "zh" else "report.html"
    capacity_page = (capacity_dir / name).read_text(encoding="utf-8")
    assert "953" in capacity_page
    compare_page = (compare_dir / name).read_text(encoding="utf-8")
    assert ("更优" if lang == "zh" else "better") in compare_page


def test_capacity_mean_only_at_loads_every_replication_shares() -> None:
    """Bisection loads differ per replication: the mean and CI use only the shared grid."""
    curve = pl.DataFrame(
        {
            "replication": [0, 0, 0, 1, 1, 1, 1],
            "load_per_s": [100.0, 200.0, 330.0, 100.0, 200.0, 270.0, 410.0],
            "latency_p99_s": [0.01, 0.02, 0.09, 0.03, 0.04, 0.08, 0.2],
        }
    )
    assert shared_loads(curve) == [100.0, 200.0]
    stats = capacity_band(curve, "latency_p99_s")
    assert stats["load_per_s"].to_list() == [100.0, 200.0]
    assert stats["n"].to_list() == [2, 2]
    assert stats["mean"].to_list() == pytest.approx([0.02, 0.03])
    assert (stats["lo"] < stats["mean"]).all()
    assert (stats["hi"] > stats["mean"]).all()


def test_capacity_fixture_band_is_the_common_grid(capacity_dir: Path) -> None:
    """On a realistic curve the band has one point per grid load, each over every replication."""
    curve = pl.read_parquet(capacity_dir / "curve.parquet")
    grid = [factor * float(np.mean(CAPACITIES)) for factor in CAPACITY_GRID]
    assert shared_loads(curve) == pytest.approx(grid)
    stats = capacity_band(curve, "latency_p50_s")
    assert stats["n"].to_list() == [len(CAPACITIES)] * len(CAPACITY_GRID)
    assert curve["load_per_s"].n_unique() > len(CAPACITY_GRID)  # bisection loads exist


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sweep_figures_for_every_kpi_with_noise(
    sweep_dir: Path, morris_sweep_dir: Path, lang: str
) -> None:
    """Every KPI of the design gets its figures, titled by the KPI, captioned with its noise."""
    first, second = SWEEP_NOISE
    for directory, index_key in ((sweep_dir, "sobol"), (morris_sweep_dir, "morris")):
        shown = figures(build_report(directory, lang).path.read_text(encoding="utf-8"))
        for suffix, kpi in (("", first), ("_2", second)):
            label = html_lib.escape(kpi_label(kpi, lang), quote=False)
            for key in (index_key, "tornado"):
                title, _, caption = shown[f"{key}{suffix}"]
                assert label in title, (key, title)
                share = f"{SWEEP_NOISE[kpi] * 100:.0f}%" if SWEEP_NOISE[kpi] >= 0.1 else "5.0%"
                assert share in caption, caption
                assert caption.endswith("。" if lang == "zh" else ".")
        noisy = shown[f"{index_key}_2"][2]
        assert ("增加重复次数" if lang == "zh" else "add replications") in noisy
        assert ("增加重复次数" if lang == "zh" else "add replications") not in shown[index_key][2]


def test_sweep_marks_inert_parameters(sweep_dir: Path) -> None:
    """The sweep's indices table flags the parameter whose CI spans 0 as ≈ 0."""
    page = build_report(sweep_dir).path.read_text(encoding="utf-8")
    rows = re.findall(
        r"<tr><td>[^<]*</td><td>(\w+)</td><td>(\w+)</td>.*?<td>([^<]*)</td></tr>", page
    )
    flagged = {(parameter, index) for parameter, index, mark in rows if mark == "≈ 0"}
    assert ("rate", "S1") in flagged
    assert ("servers", "ST") not in flagged


def test_missing_cjk_font_warns_visibly(
    public_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a CJK font a Chinese report still builds, with a warning and a banner."""
    copy = tmp_path / "run"
    shutil.copytree(public_run, copy)
    monkeypatch.setattr(report_html, "find_cjk_font", lambda: None)
    with pytest.warns(FontWarning, match="No CJK font"):
        report = build_report(copy, "zh")
    assert report.warnings
    assert "未找到中文字体" in report.path.read_text(encoding="utf-8")


def test_cjk_font_is_found() -> None:
    """This machine (and CI, which installs fonts-noto-cjk) has a CJK font for figures."""
    assert fonts.find_cjk_font() in fonts.CJK_FAMILIES


def test_cli_report(hostile_run: Path, tmp_path: Path) -> None:
    """`--lang zh` writes report.zh.html beside the English report.html; --out elsewhere."""
    copy = tmp_path / "run"
    shutil.copytree(hostile_run, copy)
    (copy / "report.html").unlink(missing_ok=True)
    result = CliRunner().invoke(cli, ["report", str(copy), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert (copy / "report.zh.html").is_file()
    assert not (copy / "report.html").exists()
    assert "report.zh.html" in result.stdout
    assert CliRunner().invoke(cli, ["report", str(copy)]).exit_code == 0
    assert 'lang="en"' in (copy / "report.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in (copy / "report.zh.html").read_text(encoding="utf-8")
    elsewhere = tmp_path / "out" / "page.html"
    result = CliRunner().invoke(cli, ["report", str(copy), "--lang", "zh", "--out", str(elsewhere)])
    assert result.exit_code == 0, result.output
    assert 'lang="zh-CN"' in elsewhere.read_text(encoding="utf-8")


def _no_manifest(root: Path) -> Path:
    (root / "d").mkdir()
    (root / "d" / "summary.parquet").write_bytes(b"")
    return root / "d"


def _unknown_kind(root: Path) -> Path:
    (root / "d").mkdir()
    (root / "d" / "manifest.json").write_text('{"kind": "party"}', encoding="utf-8")
    return root / "d"


def _broken_manifest(root: Path) -> Path:
    (root / "d").mkdir()
    (root / "d" / "manifest.json").write_text("{not json", encoding="utf-8")
    return root / "d"


def _run_without_summary(root: Path) -> Path:
    (root / "d").mkdir()
    (root / "d" / "manifest.json").write_text('{"kind": "run"}', encoding="utf-8")
    return root / "d"


@pytest.mark.cli
@pytest.mark.parametrize(
    ("make", "args", "expected"),
    [
        (lambda root: root / "absent", [], "no such directory"),
        (_no_manifest, [], "manifest.json"),
        (
            _unknown_kind,
            [],
            "kind: expected one of run, capacity, sweep, compare, optimize, backtest, got 'party'",
        ),
        (_broken_manifest, [], "expected JSON"),
        (_run_without_summary, [], "expected summary.parquet"),
        (_unknown_kind, ["--lang", "fr"], "--lang: expected one of en, zh, got 'fr'"),
    ],
)
def test_report_bad_input(make, args: list[str], expected: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Bad directories and languages: one line, exit 2, nothing written."""
    target = make(tmp_path)
    before = tree(tmp_path)
    result = CliRunner().invoke(cli, ["report", str(target), *args])
    assert expected in one_line_error(result)
    assert tree(tmp_path) == before


@pytest.mark.cli
def test_report_unknown_lang_on_a_real_run_writes_nothing(
    hostile_run: Path, tmp_path: Path
) -> None:
    """--lang fr on a good directory: exit 2 before anything is written."""
    copy = tmp_path / "run"
    shutil.copytree(hostile_run, copy)
    (copy / "report.html").unlink(missing_ok=True)
    before = tree(copy)
    result = CliRunner().invoke(cli, ["report", str(copy), "--lang", "fr"])
    assert "--lang" in one_line_error(result)
    assert tree(copy) == before
