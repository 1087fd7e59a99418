"""A CJK font for Chinese text in figures, found among the fonts matplotlib knows.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: labels would render as
empty boxes. ``.ci/run`` installs ``fonts-noto-cjk``; on other machines any of the usual
Chinese fonts will do. When none is found, reports still build, with a visible warning (a
Python warning and a banner on the page) instead of silently drawing boxes.

matplotlib lists the system's fonts once, in a cache (``fontlist-v*.json`` under its
config directory), and never looks again. On a machine where that cache was written before
a CJK font was installed — a fresh machine whose first matplotlib import came before
``apt-get install fonts-noto-cjk`` — the installed font stays invisible, and the warning's
own advice ("install fonts-noto-cjk") cannot help. So when matplotlib knows no CJK family,
the system is asked (fontconfig's ``fc-list :lang=zh``, then the usual font directories)
and the font files found are added to matplotlib's list for this process
(``fontManager.addfont``, ~20 ms a file; collections ``.ttc`` included). This happens at
most once per process and only when the family is missing; the cache file is left alone.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from matplotlib import font_manager

#: Preferred families, simplified Chinese first (Noto Sans CJK = Source Han Sans).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Noto Sans CJK JP",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Noto Serif CJK SC",
)
LATIN_FAMILY = "DejaVu Sans"

#: File names of the families above, in the same order of preference, for a system
#: without fontconfig (names as the usual packages and vendors ship them).
CJK_FILE_NAMES = (
    r"NotoSansCJK",
    r"SourceHanSans",
    r"NotoSansSC",
    r"wqy-?zenhei",
    r"wqy-?microhei",
    r"msyh",
    r"PingFang",
    r"simhei",
    r"NotoSerifCJK",
)
#: Where fonts are installed on Linux (system, local, per user), macOS and Windows.
FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "~/Library/Fonts",
    os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts"),
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
#: fc-list answers in milliseconds from its cache; a hung one must not hang a report.
FC_LIST_TIMEOUT = 20.0


class FontWarning(UserWarning):
    """No CJK font was found: Chinese in figures may show as boxes."""


@functools.cache
def find_cjk_font() -> str | None:
    """The first installed family of :data:`CJK_FAMILIES`, or ``None``.

    "Installed" means known to matplotlib, or — when matplotlib's font cache predates the
    font — found on the system and added to matplotlib's list here. Cached: the system is
    searched at most once per process, and only when matplotlib knows no CJK family.
    """
    found = _known_family()
    for files in system_cjk_fonts() if found is None else ():
        _add_fonts(files)
        found = _known_family()
        if found is not None:
            break
    return found


def system_cjk_fonts() -> Iterator[list[Path]]:
    """Font files of the families of :data:`CJK_FAMILIES` on this system, best first.

    Each item is the files of one family (its weights): first as fontconfig lists them,
    then — only if the caller asks for more — by file name in :data:`FONT_DIRS`.
    """
    listed = _fc_list()
    for family in CJK_FAMILIES:
        files = sorted({path for path, families in listed if family in families})
        if files:
            yield files
    found = _font_files()
    for name in CJK_FILE_NAMES:
        pattern = re.compile(name, re.IGNORECASE)
        files = [path for path in found if pattern.search(path.name)]
        if files:
            yield files


def _known_family() -> str | None:
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def _add_fonts(files: list[Path]) -> None:
    """Add ``files`` to matplotlib's font list (this process), skipping what it knows."""
    known = {os.path.realpath(entry.fname) for entry in font_manager.fontManager.ttflist}
    for path in files:
        if os.path.realpath(path) in known:
            continue
        try:
            font_manager.fontManager.addfont(str(path))
        except (OSError, RuntimeError, ValueError):
            continue  # an unreadable or broken file: the next one may do


def _fc_list() -> list[tuple[Path, set[str]]]:
    """``(file, families)`` of every font fontconfig says covers Chinese; [] without it."""
    program = shutil.which("fc-list")
    if program is None:
        return []
    try:
        listing = subprocess.run(
            [program, "--format", "%{file}\\t%{family}\\n", ":lang=zh"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=FC_LIST_TIMEOUT,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    fonts = []
    for line in listing.splitlines():
        path, _, families = line.partition("\t")
        if path and families:
            fonts.append((Path(path), {name.strip() for name in families.split(",")}))
    return fonts


def _font_files() -> list[Path]:
    """Every font file under :data:`FONT_DIRS` (names only; nothing is opened)."""
    found = []
    for directory in FONT_DIRS:
        for root, _, names in os.walk(os.path.expanduser(directory)):
            found += [Path(root, n) for n in sorted(names) if n.lower().endswith(FONT_SUFFIXES)]
    return found


def font_families(lang: str, cjk: str | None) -> list[str]:
    """matplotlib's per-glyph fallback list: CJK first for Chinese pages, Latin first else.

    Scenario names may be Chinese in an English report too, so the CJK font is always on
    the list when there is one.
    """
    if cjk is None:
        return [LATIN_FAMILY]
    return [cjk, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, cjk]
