"""Warm-up detection with MSER-5 (White 1997; White, Cobb & Spratt 2000).

The series (here: time-average number in the node per bin, averaged over replications)
is cut into batches of 5; for each candidate truncation d (in batches) the marginal
standard error ``MSER(d) = Σ_{j>d} (Z_j − Z̄_d)² / (m − d)²`` is computed, and the d that
minimises it over the first half of the series is the suggested truncation. A minimum in
the second half means the run is too short to tell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BATCH = 5


@dataclass(frozen=True)
class WarmupCheck:
    """The MSER-5 truncation point in time, and whether it could be determined."""

    suggested_s: float
    determined: bool


def mser5(series: np.ndarray, bin_width_s: float) -> WarmupCheck:
    """MSER-5 truncation of an equally spaced series whose bins are ``bin_width_s`` wide."""
    x = np.asarray(series, dtype=np.float64)
    m = len(x) // BATCH
    if m < 4:
        return WarmupCheck(0.0, False)
    z = x[: m * BATCH].reshape(m, BATCH).mean(axis=1)
    tail_sums = np.cumsum(z[::-1])[::-1]
    tail_squares = np.cumsum((z**2)[::-1])[::-1]
    counts = np.arange(m, 0, -1, dtype=np.float64)
    # Σ (z − z̄)² over the tail = Σz² − (Σz)²/k, divided by k² → MSER(d).
    mser = (tail_squares - tail_sums**2 / counts) / counts**2
    half = m // 2
    d = int(np.argmin(mser[: half + 1]))
    determined = d < half
    return WarmupCheck(d * BATCH * bin_width_s, determined)
