"""Warm-up detection and truncation with MSER-5 (White 1997; White, Cobb & Spratt 2000).

The series (the time-average number in the node per bin) is cut into batches of 5; for each
candidate truncation d (in batches) the marginal standard error
``MSER(d) = Σ_{j>d} (Z_j − Z̄_d)² / (m − d)²`` is computed, and the d that minimises it is
the truncation. A minimum in the second half means the series has not settled: the run is
too short (or the system unstable) to tell.

:func:`mser5` is White's statistic as published. :func:`truncation` is the rule simdata
applies (``run.warmup: auto`` per replication, and the run's warm-up check on the
replication-mean series), with two changes measured on the shipped ``mm8`` (steady from
the first minutes) and on an M/M/1 at ρ = 0.95 started empty (``docs/statistics.md``):

* **log(1 + N).** In a queue the spread of the number in node grows with its level, so on
  raw counts MSER prefers tails that happen to sit low: per replication it biased the mean
  number in node by −1.0 % on ``mm8`` and by −10 % on the M/M/1 (worse than no warm-up at
  all, −6.5 %). On log(1 + N) the spread hardly depends on the level.
* **Material improvement.** A cut counts only when it lowers MSER to at most
  :data:`MATERIAL` × the uncut value (and a second-half minimum only when it lies that far
  below the first half's): on a stationary series MSER's minimum wanders off 0 by noise
  alone (35 % of ``mm8`` replications; 10–20 % false "still drifts"/"longer warm-up"
  warnings), while a real transient lowers MSER by far more.

The cut is searched in the first half of the series only (the cap): truncating more would
leave less than the half that MSER's own rule needs to call a series settled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simdata.arrays import FloatArray

BATCH = 5
#: Fewest batches kept after truncation (the statistic is unstable on tiny tails).
MIN_TAIL = 5
#: A truncation must bring MSER down to this share of the reference to count (see above).
MATERIAL = 0.75
#: Most of the series a truncation may remove.
CAP_SHARE = 0.5


@dataclass(frozen=True)
class WarmupCheck:
    """The MSER-5 truncation point in time, and whether it could be determined."""

    suggested_s: float
    determined: bool


@dataclass(frozen=True)
class Truncation:
    """Where :func:`truncation` cuts a series, and whether the series settled within the cap
    (no materially lower MSER beyond it)."""

    cut_s: float
    settled: bool


def _mser_curve(series: FloatArray) -> FloatArray:
    """MSER(d) for every truncation d = 0 … m − 1 batches (empty below 4 batches)."""
    x = np.asarray(series, dtype=np.float64)
    m = len(x) // BATCH
    if m < 4:
        return np.zeros(0)
    z = x[: m * BATCH].reshape(m, BATCH).mean(axis=1)
    tail_sums = np.cumsum(z[::-1])[::-1]
    tail_squares = np.cumsum((z**2)[::-1])[::-1]
    counts = np.arange(m, 0, -1, dtype=np.float64)
    # Σ (z − z̄)² over the tail = Σz² − (Σz)²/k, divided by k² → MSER(d).
    return np.asarray((tail_squares - tail_sums**2 / counts) / counts**2, dtype=np.float64)


def mser5(series: FloatArray, bin_width_s: float) -> WarmupCheck:
    """MSER-5 truncation of an equally spaced series whose bins are ``bin_width_s`` wide."""
    mser = _mser_curve(series)
    m = len(mser)
    if m == 0:
        return WarmupCheck(0.0, False)
    # Search every truncation that leaves at least MIN_TAIL batches; White's rule: a
    # minimum beyond the first half means the series has not settled (run too short).
    d = int(np.argmin(mser[: m - MIN_TAIL + 1]))
    return WarmupCheck(d * BATCH * bin_width_s, d <= m // 2)


def truncation(series: FloatArray, bin_width_s: float) -> Truncation:
    """simdata's MSER-5 cut of a nonnegative series (see the module docstring): on
    log(1 + x), searched in the first :data:`CAP_SHARE` of it, kept only when material."""
    mser = _mser_curve(np.log1p(np.maximum(np.asarray(series, dtype=np.float64), 0.0)))
    m = len(mser)
    if m == 0:
        return Truncation(0.0, True)
    cap = int(m * CAP_SHARE)
    d = int(np.argmin(mser[: cap + 1]))
    if not mser[d] <= MATERIAL * mser[0]:
        d = 0
    beyond = mser[cap + 1 : m - MIN_TAIL + 1]
    settled = beyond.size == 0 or not float(beyond.min()) < MATERIAL * float(mser[d])
    return Truncation(d * BATCH * bin_width_s, settled)
