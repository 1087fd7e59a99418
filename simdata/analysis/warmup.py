"""Warm-up detection with MSER-5 (White 1997; White, Cobb & Spratt 2000).

The series (here: time-average number in the node per bin, averaged over replications)
is cut into batches of 5; for each candidate truncation d (in batches) the marginal
standard error ``MSER(d) = Σ_{j>d} (Z_j − Z̄_d)² / (m − d)²`` is computed, and the d that
minimises it is the suggested truncation. A minimum in the second half means the series
has not settled: the run is too short (or the system unstable) to tell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simdata.arrays import FloatArray

BATCH = 5
#: Fewest batches kept after truncation (the statistic is unstable on tiny tails).
MIN_TAIL = 5


@dataclass(frozen=True)
class WarmupCheck:
    """The MSER-5 truncation point in time, and whether it could be determined."""

    suggested_s: float
    determined: bool


def mser5(series: FloatArray, bin_width_s: float) -> WarmupCheck:
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
    # Search every truncation that leaves at least MIN_TAIL batches; White's rule: a
    # minimum beyond the first half means the series has not settled (run too short).
    d = int(np.argmin(mser[: m - MIN_TAIL + 1]))
    return WarmupCheck(d * BATCH * bin_width_s, d <= m // 2)
