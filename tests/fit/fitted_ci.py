"""99 % intervals from a fitted scenario's comments (``simdata fit --out``), for recovery tests.

``simdata fit`` writes 95 % CIs. The round trip of issue 18 checks 99 % CIs, so each is
widened on the scale it was built on: a Wald interval on log-parameters (durations,
count-regression rates, the weekend factor) is symmetric in logs, so its log half-width is
scaled by z(0.995)/z(0.975); a t interval over daily counts (the node's traffic rate) by
t(0.995)/t(0.975) at its degrees of freedom, in linear scale; a Wilson interval is recomputed
at z(0.995) from the ``k of n`` the comment gives.
"""

from __future__ import annotations

import math
import re

from scipy import stats

from simdata.experiments.fit.counts import wilson

Z95, Z99 = stats.norm.ppf(0.975), stats.norm.ppf(0.995)
_CI = r"95% CI \[([-0-9.e+]+), ([-0-9.e+]+)\]"


def _line(text: str, key: str) -> str:
    """The fitted scenario's text from ``key`` to the end of its comment block."""
    start = text.index(key)
    lines = text[start:].splitlines()
    block = [lines[0]]
    for line in lines[1:]:
        if not line.lstrip().startswith("# D:"):
            break
        block.append(line)
    return "\n".join(block)


def log_wald(text: str, key: str, label: str = "") -> tuple[float, float]:
    """99 % CI of a Wald-on-log parameter: ``label 95% CI [a, b]`` after ``key``."""
    match = re.search(rf"{re.escape(label)}\s*{_CI}", _line(text, key))
    assert match is not None, f"{key} {label}: no CI in\n{_line(text, key)}"
    low, high = float(match.group(1)), float(match.group(2))
    centre, half = math.log(low * high) / 2, math.log(high / low) / 2 * Z99 / Z95
    return math.exp(centre - half), math.exp(centre + half)


def t_linear(text: str, key: str, df: int) -> tuple[float, float]:
    """99 % CI of a t interval (symmetric in linear scale) with ``df`` degrees of freedom."""
    match = re.search(_CI, _line(text, key))
    assert match is not None, _line(text, key)
    low, high = float(match.group(1)), float(match.group(2))
    ratio = stats.t.ppf(0.995, df) / stats.t.ppf(0.975, df)
    centre, half = (low + high) / 2, (high - low) / 2 * ratio
    return centre - half, centre + half


def wilson99(text: str, key: str) -> tuple[float, float]:
    """99 % Wilson CI from the ``k of n`` in ``key``'s comment."""
    match = re.search(r"(\d+) of (\d+)", _line(text, key))
    assert match is not None, _line(text, key)
    return wilson(int(match.group(1)), int(match.group(2)), float(Z99)).ci


def first_family(text: str, key: str) -> str:
    """The family ranked first by AIC in ``key``'s comment."""
    match = re.search(r"AIC \(lower is better\): (\w+)", _line(text, key))
    assert match is not None, _line(text, key)
    return match.group(1)
