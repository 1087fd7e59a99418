"""One replication, as one pure function: scenario + index → frames, KPIs, runtime, error.

This is the unit every runner, executor, sweep and capacity search fans out. It never
prints, never touches the working directory, and never raises for a model failure: the
exception text comes back in the result, with the seed that reproduces it.

A finished replication is also one *part* of a run directory (``parts/rep-NNNNNN.parquet``):
:meth:`Replication.to_part` packs it into a two-column frame — ``table`` (name) and ``data``
(bytes): ``_meta`` (JSON: index, root seed, runtime, events, error, warnings, info),
``_kpis``, ``_histograms`` (the quantile KPIs' sample histograms, sparse) and every model
frame as Arrow IPC, which keeps polars dtypes exactly — and
:meth:`Replication.from_part` unpacks it, so a resumed run merges the same tables.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from simdata.analysis.kpis import compute_kpis
from simdata.analysis.quantiles import SAMPLE_SCHEMA, sample_histograms, sparse_frame
from simdata.experiments.warmup_auto import simulate_measured
from simdata.scenario.models import Scenario


@dataclass
class Replication:
    """The outcome of one replication."""

    index: int
    root_seed: int
    kpis: dict[str, float] = field(default_factory=dict)
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    runtime_s: float = 0.0
    events: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)
    #: The quantile KPIs' sample histograms (``sample, bucket, count``): what a summary
    #: pools over replications (:mod:`simdata.analysis.quantiles`).
    histograms: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SAMPLE_SCHEMA))

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_part(self, run_identity: str = "") -> pl.DataFrame:
        """This replication as one part frame (``table``, ``data``); see the module doc.

        ``run_identity`` (the manifest's digest of scenario, seed and plan) and a sha256 of
        the packed tables go into ``_meta``, so ``--resume`` can refuse a part copied from
        another run or damaged on disk (:func:`verify_part`).
        """
        kpis = pl.DataFrame(
            {"kpi": list(self.kpis), "value": list(self.kpis.values())},
            schema=PART_KPI_SCHEMA,
        )
        tables = [("_kpis", _ipc_bytes(kpis)), ("_histograms", _ipc_bytes(self.histograms))]
        tables += [(name, _ipc_bytes(frame)) for name, frame in self.frames.items()]
        meta = {
            "index": self.index,
            "root_seed": self.root_seed,
            "run_identity": run_identity,
            "tables_sha256": _tables_digest(tables),
            "runtime_s": self.runtime_s,
            "events": self.events,
            "error": self.error,
            "warnings": self.warnings,
            "info": self.info,
        }
        tables.insert(0, ("_meta", json.dumps(meta, default=str).encode("utf-8")))
        return pl.DataFrame(
            {"table": [t for t, _ in tables], "data": [d for _, d in tables]},
            schema=PART_SCHEMA,
        )

    @classmethod
    def from_part(cls, part: pl.DataFrame) -> Replication:
        """The replication :meth:`to_part` packed."""
        blobs: dict[str, bytes] = dict(zip(part["table"], part["data"], strict=True))
        meta: dict[str, Any] = json.loads(blobs.pop("_meta").decode("utf-8"))
        kpis = pl.read_ipc(io.BytesIO(blobs.pop("_kpis")))
        histograms = pl.read_ipc(io.BytesIO(blobs.pop("_histograms")))
        return cls(
            index=int(meta["index"]),
            root_seed=int(meta["root_seed"]),
            kpis=dict(zip(kpis["kpi"].to_list(), kpis["value"].to_list(), strict=True)),
            frames={name: pl.read_ipc(io.BytesIO(data)) for name, data in blobs.items()},
            runtime_s=float(meta["runtime_s"]),
            events=int(meta["events"]),
            error=meta["error"],
            warnings=list(meta["warnings"]),
            info=dict(meta["info"]),
            histograms=histograms,
        )


def part_meta(part: pl.DataFrame) -> dict[str, Any]:
    """A part's ``_meta`` record, with ``tables_ok``: whether its tables still hash to the
    ``tables_sha256`` written with them (False for a part damaged after it was written)."""
    blobs = list(zip(part["table"].to_list(), part["data"].to_list(), strict=True))
    found = [data for name, data in blobs if name == "_meta"]
    if len(found) != 1:
        raise ValueError("expected one _meta record")
    meta: dict[str, Any] = json.loads(found[0].decode("utf-8"))
    tables = [(name, data) for name, data in blobs if name != "_meta"]
    meta["tables_ok"] = meta.get("tables_sha256") == _tables_digest(tables)
    return meta


def _tables_digest(tables: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in tables:
        for chunk in (name.encode("utf-8"), data):
            digest.update(len(chunk).to_bytes(8, "little"))
            digest.update(chunk)
    return digest.hexdigest()


PART_SCHEMA = {"table": pl.String, "data": pl.Binary}
PART_KPI_SCHEMA = {"kpi": pl.String, "value": pl.Float64}


def _ipc_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ReplicationTask:
    """What an executor ships to a worker: the scenario, the index, the root seed.

    Nothing else reaches the replication — not the worker's identity, not the order tasks
    finish — so every back end and every variant with the same root seed draws the same
    random numbers.
    """

    scenario: Scenario
    index: int
    root_seed: int


def replicate(task: ReplicationTask) -> Replication:
    """Executor task: :func:`run_replication` of one :class:`ReplicationTask`."""
    return run_replication(task.scenario, task.index, task.root_seed)


def run_replication(
    scenario: Scenario, index: int, seed: int | None = None, *, keep_requests: bool = False
) -> Replication:
    """Simulate and measure replication ``index`` (root seed ``seed`` or the scenario's).

    Per-request frames are dropped unless ``keep_requests`` (they can be large); model
    tables such as ``timeseries`` are kept.
    """
    root_seed = scenario.run.seed if seed is None else seed
    started = time.perf_counter()
    try:
        simulated = simulate_measured(scenario, index, root_seed)
        kpis = compute_kpis(simulated)
        histograms = sparse_frame(sample_histograms(simulated))
    except Exception as error:
        text = "".join(traceback.format_exception_only(error)).strip()
        return Replication(index, root_seed, runtime_s=time.perf_counter() - started, error=text)
    frames = {
        name: frame
        for name, frame in simulated.frames.items()
        if keep_requests or name != "requests"
    }
    return Replication(
        index,
        root_seed,
        kpis=kpis,
        frames=frames,
        runtime_s=time.perf_counter() - started,
        events=simulated.events,
        warnings=simulated.warnings,
        info=simulated.info,
        histograms=histograms,
    )
