"""A CJK font for Chinese text in figures, found among the fonts matplotlib knows.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: labels would render as
empty boxes. ``.ci/run`` installs ``fonts-noto-cjk``; on other machines any of the usual
Chinese fonts will do. When none is found, reports still build, with a visible warning (a
Python warning and a banner on the page) instead of silently drawing boxes.
"""

from __future__ import annotations

import functools

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


class FontWarning(UserWarning):
    """No CJK font was found: Chinese in figures may show as boxes."""


@functools.cache
def find_cjk_font() -> str | None:
    """The first installed family of :data:`CJK_FAMILIES`, or ``None``."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def font_families(lang: str, cjk: str | None) -> list[str]:
    """matplotlib's per-glyph fallback list: CJK first for Chinese pages, Latin first else.

    Scenario names may be Chinese in an English report too, so the CJK font is always on
    the list when there is one.
    """
    if cjk is None:
        return [LATIN_FAMILY]
    return [cjk, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, cjk]
