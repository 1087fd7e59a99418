"""Registration writes merged into the network's blocks: both engines agree when a block
holds more requests than the block size (misses plus writes), as with a busy economy."""

from __future__ import annotations

import numpy as np
import simpy

from simdata.engine.streams import Streams
from simdata.model.network.batched import BatchedNetwork
from simdata.model.network.draws import NetworkSource
from simdata.model.network.event import EventNetwork
from simdata.model.network.plan import NetworkPlan
from simdata.model.network.writes import WriteStream
from simdata.scenario.network import NetworkSpec

SPEC = NetworkSpec.model_validate(
    {
        "traffic": {"rate": "50/s"},
        "nodes": [
            {"name": "top", "kind": "top_level", "servers": 1,
             "service_time": {"dist": "exponential", "mean": "2 ms"}},
            {"name": "a", "kind": "secondary", "share": "60%", "servers": 1,
             "service_time": {"dist": "exponential", "mean": "4 ms"}},
            {"name": "b", "kind": "secondary", "share": "40%", "servers": 2},
        ],
    }
)  # fmt: skip
HORIZON_S = 400.0


def _source(block: int) -> NetworkSource:
    plan = NetworkPlan.of(SPEC)
    streams = Streams(3, 0)
    source = NetworkSource(plan, streams, 0.0, HORIZON_S, block=block)
    rates = np.zeros(plan.size)
    rates[plan.names.index("a")], rates[plan.names.index("b")] = 60.0, 30.0  # writes per s
    source.writes = WriteStream(rates, streams)
    return source


def test_engines_agree_with_writes_in_oversized_blocks() -> None:
    batched = BatchedNetwork(_source(256), 20.0, HORIZON_S, collect=True)
    batched.run()
    env = simpy.Environment()
    event = EventNetwork(env, _source(256), 20.0, HORIZON_S, collect=True)
    event.run()
    assert batched.source.writes is not None
    ids, latency = batched.collected_latencies()
    event_ids, event_latency = event.collected_latencies()
    # Writes (90/s) outnumber the misses (50/s): blocks of 256 misses hold ~2.8× as many.
    assert len(ids) > 2.5 * 50 * HORIZON_S
    assert np.array_equal(ids, event_ids)
    assert np.allclose(latency, event_latency, rtol=0.0, atol=1e-9, equal_nan=True)
    figures, event_figures = batched.figures(), event.figures()
    for name, found in figures.items():
        other = event_figures[name].queue
        if found.queue is not None and other is not None:
            assert np.isclose(found.queue.busy_area, other.busy_area, rtol=1e-12), name
    # Node a's servers are busy with its resolutions (4 ms each) and its writes: 60/s of
    # 5 ms over the 380 s window ≈ 114 s more.
    a = figures["a"].queue
    assert a is not None
    assert a.busy_area > 0.004 * a.admitted + 0.8 * 60 * (HORIZON_S - 20.0) * 0.005
