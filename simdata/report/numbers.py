"""Numbers as a planner reads them: thousands separators in English, 万 and 亿 in Chinese.

Python's ``{:.4g}`` and matplotlib's default tick labels switch to scientific notation
(``1.2e+07``, an axis offset ``1e7``) for large and small values; a planner reads
``12,000,000`` or ``1200万`` and misreads the other. Every number a report shows — table
cells, captions, tick labels — goes through :func:`plain_number`, which never writes an
exponent. Files keep SI values (Conventions); this is only how they are shown.
"""

from __future__ import annotations

import math

#: Chinese large-number units, largest first (10⁸ = 亿, 10⁴ = 万).
_ZH_UNITS = ((1e8, "亿"), (1e4, "万"))


def plain_number(value: float, lang: str, digits: int = 4) -> str:
    """``value`` with about ``digits`` significant digits and never an exponent.

    At least 10,000: ``12,345`` (en) or ``1.235万`` / ``3.2亿`` (zh). Below that, up to
    ``digits`` significant digits in fixed notation (``0.0001234``), trailing zeros dropped.
    """
    if not math.isfinite(value):
        return "—" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    magnitude = abs(value)
    if magnitude >= 1e4:
        if lang == "zh":
            for size, word in _ZH_UNITS:
                if magnitude >= size:
                    return f"{_fixed(value / size, digits, group=False)}{word}"
        return f"{value:,.0f}"
    return _fixed(value, digits, group=lang != "zh")


def _fixed(value: float, digits: int, group: bool = True) -> str:
    """Fixed notation with ``digits`` significant digits (at most 12 decimals); ``group``
    separates thousands (English; Chinese groups by 万, not by thousands)."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    decimals = min(max(digits - 1 - exponent, 0), 12)
    text = f"{value:{',' if group else ''}.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def tick_number(value: float, lang: str) -> str:
    """A tick label: like :func:`plain_number` but exact for the round values ticks take."""
    if value == 0:
        return "0"
    return plain_number(value, lang, digits=6)
