"""Compiled helpers of the network's draws: categorical picks and grouping by node.

Both replace numpy calls that dominated a national day's profile: ``np.searchsorted`` of
10⁸ uniforms into a few hundred cumulative shares, and a comparison ``argsort`` to group
resolutions by node. Grouping by node is a counting sort (stable, linear in the rows).
"""

from __future__ import annotations

import numpy as np

from simdata.arrays import FloatArray, IntArray
from simdata.engine.histogram import jit


@jit
def pick(cumulative: FloatArray, nodes: IntArray, uniforms: FloatArray, out: IntArray) -> None:
    """``out[i]`` = the node of the first cumulative share above ``uniforms[i]``."""
    last = cumulative.shape[0] - 1
    for i in range(uniforms.shape[0]):
        u = uniforms[i]
        lo, hi = 0, last
        while lo < hi:
            mid = (lo + hi) >> 1
            if cumulative[mid] > u:
                hi = mid
            else:
                lo = mid + 1
        out[i] = nodes[lo]


@jit
def _count_sort(keys: IntArray, size: int, order: IntArray, starts: IntArray) -> None:
    counts = np.zeros(size + 1, dtype=np.int64)
    for i in range(keys.shape[0]):
        counts[keys[i] + 1] += 1  # SKIP (-1) counts in slot 0
    total = 0
    for k in range(size + 1):
        starts[k] = total
        total += counts[k]
    starts[size + 1] = total
    cursor = starts[: size + 1].copy()
    for i in range(keys.shape[0]):
        slot = keys[i] + 1
        order[cursor[slot]] = i
        cursor[slot] += 1


def group_by_node(nodes: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """``(order, starts)``: positions of ``nodes`` grouped by node (stable), node ``k``'s
    positions being ``order[starts[k + 1]:starts[k + 2]]`` (slot 0 holds SKIP = -1)."""
    keys = np.ascontiguousarray(nodes, dtype=np.int64)
    order = np.empty(len(keys), dtype=np.int64)
    starts = np.empty(size + 2, dtype=np.int64)
    _count_sort(keys, size, order, starts)
    return order, starts
