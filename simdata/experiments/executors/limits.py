"""How many local worker processes this machine holds: cores, available memory, refusals.

``--workers 1000`` used to start a thousand ~300 MB processes and exhaust memory; a count
the machine cannot hold is refused here, before any process starts.
"""

from __future__ import annotations

import os

from simdata.errors import UsageError

#: Resident memory of one pool worker: simdata, numpy, polars, scipy and SimPy imported
#: (~145 MB) plus a replication's working set; measured 185–315 MB at the peak of the
#: shipped scenarios (fujian-public-data to node-baseline's 360,000 requests, and M/M/8
#: event-engine replications of 2.9 million requests).
WORKER_BYTES = 300 * 10**6
#: Workers per core beyond which a pool only adds memory and context switches.
WORKERS_PER_CORE = 4


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity where the OS reports one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def available_memory_bytes() -> int | None:
    """Memory this machine can give new processes without swapping: ``MemAvailable`` from
    /proc/meminfo (Linux), else free physical pages; ``None`` where neither is known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def workers_that_fit(per_worker_bytes: int = WORKER_BYTES) -> int:
    """The most pool workers this machine holds: :data:`WORKERS_PER_CORE` per core, and no
    more than available memory over ``per_worker_bytes`` (at least one)."""
    most = WORKERS_PER_CORE * cpu_count()
    available = available_memory_bytes()
    if available is not None:
        most = min(most, available // per_worker_bytes)
    return max(1, most)


def check_workers(workers: int, per_worker_bytes: int = WORKER_BYTES) -> None:
    """Refuse a worker count this machine cannot hold, before any process starts.

    ``--workers 1000`` used to start a thousand ~300 MB processes and exhaust memory; the
    answer is one line with the estimate and the largest count that fits.
    """
    if workers < 1:
        raise UsageError(f"--workers: expected an integer ≥ 1, got {workers}")
    cores = cpu_count()
    if workers > WORKERS_PER_CORE * cores:
        raise UsageError(
            f"--workers {workers}: expected at most {WORKERS_PER_CORE * cores} "
            f"({WORKERS_PER_CORE} per core × {cores} cores); more processes only add memory "
            f"and switching: use --workers {min(cores, workers_that_fit(per_worker_bytes))}"
        )
    available = available_memory_bytes()
    if available is not None and workers * per_worker_bytes > available:
        raise UsageError(
            f"--workers {workers}: {workers} workers × ~{per_worker_bytes / 1e6:.0f} MB each "
            f"≈ {_gigabytes(workers * per_worker_bytes)} exceeds the "
            f"{_gigabytes(available)} of memory available: use --workers "
            f"{workers_that_fit(per_worker_bytes)} or fewer"
        )


def _gigabytes(count: int) -> str:
    return f"{count / 1e9:.1f} GB"
