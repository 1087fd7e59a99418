"""The fresh-machine trap: a matplotlib font cache written before the CJK font was installed.

matplotlib lists the system's fonts once, in ``MPLCONFIGDIR/fontlist-v*.json``. These tests
write that cache for real (in a subprocess with its own ``MPLCONFIGDIR``), remove every CJK
entry from it — exactly what a cache built before ``apt-get install fonts-noto-cjk`` holds —
and run a Chinese report in a process that reads it. Without a CJK font file on the
system they skip, unless ``SIMDATA_BROWSER_REQUIRED=1`` (set by ``.ci/run``, which installs
``fonts-noto-cjk``), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simdata.report import fonts

pytestmark = pytest.mark.unit

#: CJK fonts by family name and by file name, as widely as this test can tell them.
CJK_NAME = re.compile(
    r"CJK|Source Han|WenQuanYi|YaHei|PingFang|SimHei|Noto Sans SC|Noto Serif SC", re.I
)
CJK_FILE = re.compile(r"NotoSansCJK|NotoSerifCJK|SourceHan|wqy|msyh|simhei|PingFang", re.I)

#: Runs the report path in a child: the families matplotlib knew at start, the family the
#: report chose, every warning raised and the page's notes.
REPORT_SCRIPT = """\
import json, sys, warnings
from pathlib import Path
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from matplotlib import font_manager
    from simdata.report import build_report, fonts
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    before = sorted(names & set(fonts.CJK_FAMILIES))
    report = build_report(Path(sys.argv[1]), "zh")
print(json.dumps({
    "before": before,
    "font": fonts.find_cjk_font(),
    "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    "notes": report.warnings,
}))
"""


def _system_cjk_files() -> list[str]:
    """CJK font files on this system, found without simdata (fontconfig, then the dirs)."""
    found: list[str] = []
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        ).stdout
        found += [line.rstrip(":") for line in listing.splitlines() if line.strip()]
    for directory in ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts"):
        for root, _, names in os.walk(os.path.expanduser(directory)):
            found += [os.path.join(root, n) for n in names if CJK_FILE.search(n)]
    return found


def _require_cjk_font() -> None:
    if _system_cjk_files():
        return
    message = "no CJK font file on this system (install fonts-noto-cjk)"
    if os.environ.get("SIMDATA_BROWSER_REQUIRED") == "1":
        pytest.fail(f"{message}, and SIMDATA_BROWSER_REQUIRED=1")
    pytest.skip(message)


def _child_env(config: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "PYTEST"))}
    env.update(MPLCONFIGDIR=str(config), MPLBACKEND="Agg", **extra)
    return env


@pytest.fixture(scope="module")
def stale_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ``MPLCONFIGDIR`` whose font cache matplotlib wrote, minus every CJK font."""
    _require_cjk_font()
    config = tmp_path_factory.mktemp("mplconfig")
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env=_child_env(config),
        check=True,
        timeout=120,
    )
    (cache,) = config.glob("fontlist-v*.json")
    data = json.loads(cache.read_text(encoding="utf-8"))
    kept = [
        entry
        for entry in data["ttflist"]
        if not CJK_NAME.search(entry["name"]) and not CJK_FILE.search(Path(entry["fname"]).name)
    ]
    assert len(kept) < len(data["ttflist"]), "matplotlib's fresh cache saw no CJK font"
    data["ttflist"] = kept
    cache.write_text(json.dumps(data), encoding="utf-8")
    return config


def _report(config: Path, run_dir: Path, tmp_path: Path, **env: str) -> dict[str, object]:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    done = subprocess.run(
        [sys.executable, "-c", REPORT_SCRIPT, str(copy)],
        env=_child_env(config, **env),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.slow
def test_report_finds_a_cjk_font_matplotlibs_stale_cache_misses(
    stale_config: Path, hostile_run: Path, tmp_path: Path
) -> None:
    """With a font cache that predates the CJK font, a zh report still draws in a CJK font."""
    result = _report(stale_config, hostile_run, tmp_path)
    assert result["before"] == []  # the trap is set: matplotlib's list has no CJK family
    assert result["font"] in fonts.CJK_FAMILIES
    assert result["notes"] == []
    assert not [w for w in result["warnings"] if "missing from font" in str(w)]
    assert not [w for w in result["warnings"] if "FontWarning" in str(w)]
    (cache,) = stale_config.glob("fontlist-v*.json")
    assert not CJK_NAME.search(cache.read_text(encoding="utf-8"))  # the cache is left alone


def test_font_directories_serve_without_fontconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without fc-list, the usual font directories still yield a CJK font file, best first."""
    _require_cjk_font()
    monkeypatch.setattr(fonts.shutil, "which", lambda _: None)
    groups = list(fonts.system_cjk_fonts())
    assert groups, "no CJK font file found by name under the font directories"
    assert all(path.is_file() for group in groups for path in group)
    first = groups[0][0].name
    assert CJK_FILE.search(first), first
