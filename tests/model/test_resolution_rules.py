"""The resolution node's rules (model/resolution/rules.py): judgement, admission, order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simdata.model.resolution.rules import (
    NO_LIMIT,
    OVER_SLA,
    REJECTED,
    TIMED_OUT,
    WITHIN_SLA,
    NodeRules,
    Outcome,
    ReorderBuffer,
    admits,
    admits_compiled,
    judge,
    judge_many,
    sla_met,
)

pytestmark = pytest.mark.unit

RULES = NodeRules(servers=2, limit=NO_LIMIT, timeout_s=4.0, sla_s=1.0, sla_strict=False)


@pytest.mark.parametrize(
    ("latency", "strict", "want"),
    [
        (0.5, False, (0.5, WITHIN_SLA)),
        (1.0, False, (1.0, WITHIN_SLA)),
        (1.0, True, (1.0, OVER_SLA)),
        (3.0, False, (3.0, OVER_SLA)),
        (4.0, False, (4.0, OVER_SLA)),
        (7.5, False, (4.0, TIMED_OUT)),
    ],
)
def test_judge_caps_at_the_timeout_and_compares_with_the_sla(
    latency: float, strict: bool, want: tuple[float, int]
) -> None:
    """Over the timeout: the timeout, timed out; else within (<= or strict <) or over."""
    assert judge(latency, RULES._replace(sla_strict=strict)) == want


def test_no_answer_is_rejected_and_no_sla_means_answered_is_within() -> None:
    """NaN (no latency) is rejected; an infinite SLA threshold takes every answer."""
    latency, outcome = judge(math.nan, RULES)
    assert math.isnan(latency)
    assert outcome == REJECTED
    no_sla = NodeRules(1, NO_LIMIT, math.inf, math.inf, False)
    assert judge(1e4, no_sla) == (1e4, WITHIN_SLA)
    assert [o.name for o in Outcome] == ["WITHIN_SLA", "OVER_SLA", "TIMED_OUT", "REJECTED"]


def test_judge_many_is_judge_for_every_latency() -> None:
    """The vectorised path gives each latency the scalar rule's answer, and copies."""
    values = np.array([0.2, 1.0, 2.0, 9.0, math.nan])
    latency, outcome = judge_many(values, RULES)
    assert outcome.tolist() == [WITHIN_SLA, WITHIN_SLA, OVER_SLA, TIMED_OUT, REJECTED]
    assert latency[:4].tolist() == [0.2, 1.0, 2.0, 4.0]
    assert values[3] == 9.0


def test_admission_and_sla_holding() -> None:
    """K in the node rejects (compiled and Python alike); p99 holds at exactly 99 %."""
    for in_node, limit in [(0, 0), (2, 3), (3, 3), (5, NO_LIMIT)]:
        assert admits(in_node, limit) == admits_compiled(in_node, limit) == (in_node < limit)
    assert sla_met(99, 100, 0.99)
    assert not sla_met(98, 100, 0.99)
    assert not sla_met(0, 0, 0.5)


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(0.0, 2.0), min_size=1, max_size=80),
    delays=st.lists(st.floats(0.0, 5.0), min_size=80, max_size=80),
    block=st.integers(1, 9),
)
def test_reorder_buffer_serves_in_node_arrival_order_ties_by_index(
    gaps: list[float], delays: list[float], block: int
) -> None:
    """Blocks of sorted client arrivals, released in pieces, come out as one stable sort."""
    arrival = np.cumsum(gaps)
    node_arrival = arrival + np.array(delays[: len(arrival)])
    buffer = ReorderBuffer()
    when_out, index_out = [], []
    last = -math.inf
    for lo in range(0, len(arrival), block):
        hi = min(lo + block, len(arrival))
        when, (index,) = buffer.release(
            node_arrival[lo:hi], (np.arange(lo, hi),), float(arrival[hi - 1]), hi == len(arrival)
        )
        assert len(when) == 0 or when[0] >= last  # never before one already served
        last = float(when[-1]) if len(when) else last
        when_out.append(when)
        index_out.append(index)
    order = np.argsort(node_arrival, kind="stable")
    assert np.concatenate(index_out).tolist() == order.tolist()
    assert np.array_equal(np.concatenate(when_out), node_arrival[order])
