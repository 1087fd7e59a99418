"""Reports opened in a real headless Chromium: no console error, no network, images drawn.

One Chromium session (module scope) opens the report of every kind in both languages
through the DevTools protocol (Selenium, driver at an explicit path, fresh profile). A
page fails on any console error, any request to a URL other than ``file:`` or ``data:``,
any image with ``naturalWidth == 0`` and a blank screenshot. The Chinese pages must read
as Chinese. Without Chromium the tests skip — unless ``SIMDATA_BROWSER_REQUIRED=1`` (set
by ``.ci/run``), where they fail.

Besides the fixtures, the pages of real small runs (:mod:`tests.report.real_runs`: a run,
a compare, a grid and a Morris sweep, a capacity search, built once) are read as a planner
reads them: a page fails on "No targets" when the scenario has targets, on any number in
exponent form (``1e7``, ``2.5e-05``, ``1e+06``), on a warning left in English in Chinese
(or missing from the banners at the top), and on a replication counted from 0.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from simdata.report import build_report, i18n
from simdata.report.warning_text import translate_warning
from tests.report.real_runs import KINDS as REAL_KINDS
from tests.report.real_runs import build_real_dirs

pytestmark = pytest.mark.unit

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,1000",
)
KINDS = ("identifier_run", "public_run", "capacity_dir", "sweep_dir", "compare_dir")
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
#: A number in exponent form, not inside a hash or a word (``a1e70`` is part of a sha).
EXPONENT = re.compile(r"(?<![0-9A-Za-z.])\d+(?:\.\d+)?[eE][+-]?\d+(?![0-9A-Za-z])")
#: A replication counted from 0, in either language.
REPLICATION_ZERO = re.compile(r"第\s*0\s*次重复|[Rr]eplication\s+0(?!\.\d)\b|重复\s*0(?![.\d])")


def _executable(*names: str) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for every page of this module."""
    chromium = _executable("chromium", "chromium-browser", "google-chrome")
    driver_path = _executable("chromedriver")
    if chromium is None or driver_path is None:
        message = f"Chromium ({chromium}) or chromedriver ({driver_path}) not found"
        if os.environ.get("SIMDATA_BROWSER_REQUIRED") == "1":
            pytest.fail(f"{message}, and SIMDATA_BROWSER_REQUIRED=1")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.get("about:blank")  # let the browser's own start page finish before we listen
    driver.get_log("performance")
    try:
        yield driver
    finally:
        driver.quit()


def _requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", KINDS)
def test_report_in_a_real_browser(
    browser: Any, request: pytest.FixtureRequest, tmp_path: Path, kind: str, lang: str
) -> None:
    """The page loads offline with no error or request, every image drawn, not blank."""
    results: Path = request.getfixturevalue(kind)
    path = build_report(results, lang).path
    browser.get_log("browser")  # drop what earlier pages left
    browser.get_log("performance")
    browser.get(path.resolve().as_uri())
    state = browser.execute_script(
        "return {ready: document.readyState,"
        " images: Array.from(document.images).map(i => [i.complete, i.naturalWidth]),"
        " text: document.body.innerText,"
        " headings: Array.from(document.querySelectorAll('h2, figcaption'))"
        "   .map(e => e.innerText)}"
    )
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    foreign = [u for u in _requested_urls(browser) if not u.startswith(("file:", "data:"))]
    assert foreign == []
    assert state["ready"] == "complete"
    assert state["images"], "a report without figures"
    assert all(complete and width > 0 for complete, width in state["images"]), state["images"]
    shot = tmp_path / f"{kind}-{lang}.png"
    assert browser.save_screenshot(str(shot))
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float64)
    assert pixels.std() > 5, f"blank screenshot {shot}"
    if lang == "zh":
        assert all(CJK.search(text) for text in state["headings"]), state["headings"]
        cjk, latin = len(CJK.findall(state["text"])), len(LATIN.findall(state["text"]))
        assert cjk > 100
        assert cjk / (cjk + latin) > 0.2, (cjk, latin)


@pytest.fixture(scope="module")
def real_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The real small runs, once for every test of this module."""
    return build_real_dirs(tmp_path_factory.mktemp("real"))


def offline_page(browser: Any, path: Path) -> dict[str, Any]:
    """Open the page ``path`` and check it loaded offline: no console error, no request
    beyond the file (and data: URLs), every image drawn. Its text, tables (each as text
    and as its number of rows) and headings."""
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(path.resolve().as_uri())
    state: dict[str, Any] = browser.execute_script(
        "return {text: document.body.innerText,"
        " images: Array.from(document.images).map(i => [i.complete, i.naturalWidth]),"
        " tables: Array.from(document.querySelectorAll('table')).map(t => t.innerText),"
        " rows: Array.from(document.querySelectorAll('table')).map(t => t.rows.length),"
        " headings: Array.from(document.querySelectorAll('h2, h3')).map(e => e.innerText)}"
    )
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert [u for u in _requested_urls(browser) if not u.startswith(("file:", "data:"))] == []
    assert state["images"]
    assert all(complete and width > 0 for complete, width in state["images"])
    return state


def _page_state(browser: Any, path: Path) -> dict[str, Any]:
    browser.get_log("browser")
    browser.get(path.resolve().as_uri())
    state: dict[str, Any] = browser.execute_script(
        "return {text: document.body.innerText,"
        " banners: Array.from(document.querySelectorAll('.banner')).map(e => e.innerText),"
        " images: Array.from(document.images).map(i => i.naturalWidth)}"
    )
    state["errors"] = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    return state


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", REAL_KINDS)
def test_real_report_reads_right(
    browser: Any, real_dirs: dict[str, Path], kind: str, lang: str
) -> None:
    """A real directory's page: targets judged, plain numbers, warnings on top and in the
    page's language, replications counted from 1, every figure drawn."""
    directory = real_dirs[kind]
    report = build_report(directory, lang)
    assert report.path.name == ("report.zh.html" if lang == "zh" else "report.html")
    state = _page_state(browser, report.path)
    text = state["text"]
    assert state["errors"] == []
    assert state["images"]
    assert all(width > 0 for width in state["images"])
    assert "No targets" not in text
    assert i18n.text("headline.none", lang) not in text
    assert EXPONENT.findall(text) == []
    assert REPLICATION_ZERO.findall(text) == []
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    for warning in manifest["warnings"]:
        shown = translate_warning(warning, lang)
        assert any(shown in banner for banner in state["banners"]), (shown, state["banners"])
        if lang == "zh":
            assert warning not in text
            assert "未翻译" not in shown
            assert CJK.search(shown)
    if kind in ("run", "compare"):
        assert manifest["warnings"], "the real runs are built to carry a warning"
    if kind == "capacity":
        capacity = json.loads((directory / "capacity.json").read_text())["capacity"]
        assert i18n.format_value(capacity, "1/s", lang) in text
