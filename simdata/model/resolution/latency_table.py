"""``latency_histogram``: the distribution of measured end-to-end latencies, bounded in size.

Run directories keep no per-request rows (a national day has 1.5×10⁸), yet a report wants
the latency CDF against the SLA line. Every replication therefore records the log-bucket
histogram of its measured latencies (:mod:`simdata.engine.histogram`, < 1 %): the
batched engine's own, or one counted from the event engine's or the peak-hour windows'
latencies. Only non-empty buckets are kept (a few hundred rows).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from simdata.arrays import FloatArray, IntArray
from simdata.engine import histogram

SCHEMA = {
    "window": pl.String,
    "bucket_low_s": pl.Float64,
    "bucket_high_s": pl.Float64,
    "count": pl.Int64,
}


def latency_histogram_frame(counts: IntArray, window: str) -> pl.DataFrame:
    """The non-empty buckets of ``counts`` with their bounds; ``window`` says what was
    measured (``all``: the measured window; ``peak_hour``: the sampled peak hours)."""
    positions, low, high = histogram.bounds(counts)
    return pl.DataFrame(
        {
            "window": [window] * len(positions),
            "bucket_low_s": low,
            "bucket_high_s": high,
            "count": counts[positions].astype(np.int64),
        },
        schema=SCHEMA,
    )


def of_latencies(latency_s: FloatArray, window: str) -> pl.DataFrame:
    """The histogram frame of measured latencies (NaN, i.e. rejected, left out)."""
    values = np.asarray(latency_s, dtype=np.float64)
    return latency_histogram_frame(histogram.of(values[~np.isnan(values)]), window)
