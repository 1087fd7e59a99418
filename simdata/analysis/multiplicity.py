"""Several tests at once: Holm's step-down correction of a family of p-values.

A comparison that marks each of m KPIs "better" or "worse" at 5 % would, with no true
difference anywhere, mark at least one of them about 1 − 0.95^m of the time (40 % at
m = 10). Holm (1979, "A simple sequentially rejective multiple test procedure", *Scand.
J. Statist.* 6: 65–70) keeps the chance of *any* false mark in the family at most α, for
any dependence between the tests, and rejects everything Bonferroni rejects and often more.
"""

from __future__ import annotations

import numpy as np

from simdata.arrays import FloatArray

ALPHA = 0.05


def holm(p_values: FloatArray) -> FloatArray:
    """Holm-adjusted p-values: reject hypothesis i at family-wise level α when ``p[i] ≤ α``.

    Sorted ascending, the k-th smallest (k = 0, 1, …) is multiplied by m − k, the running
    maximum keeps the adjusted values in the same order, and they are capped at 1. NaN
    (a test that could not be made) counts as p = 1: it takes its place in the family but
    is never rejected, and is returned as NaN.
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p.copy()
    filled = np.where(np.isnan(p), 1.0, p)
    order = np.argsort(filled, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * filled[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return np.where(np.isnan(p), np.nan, adjusted)
