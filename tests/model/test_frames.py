"""The frame catalogue is the truth: every frame a replication hands over is declared there
with its exact columns and types, and docs/run-directory.md shows the catalogue as it is."""

from __future__ import annotations

import re

import pytest

import simdata
from simdata.model.frames import FRAMES, frames_markdown
from simdata.model.world import simulate
from tests.conftest import REPO, SCENARIOS

pytestmark = pytest.mark.unit

#: One small run of each kind of model: a node alone (both engines), the identifier
#: economy with sampled windows, the public-data model.
RUNS = {
    "node": ("node-baseline.yaml", ["run.horizon=600 s", "run.warmup=60 s"]),
    "batched": (
        "node-baseline.yaml",
        ["run.horizon=600 s", "run.warmup=60 s", "resolution.engine=batched"],
    ),
    "economy": ("zhanjiang-baseline.yaml", []),
    "public": ("fujian-public-data.yaml", ["run.end_date=2026-03-31"]),
    "network": (
        "national-network.yaml",
        ["run.end_date=2024-11-20", "run.warmup=0 s", "network.traffic.rate=200000/d"],
    ),
}


@pytest.mark.parametrize("kind", sorted(RUNS))
def test_every_frame_is_declared_with_its_schema(kind: str) -> None:
    """A replication's frames are catalogue frames with exactly the declared columns."""
    file, overrides = RUNS[kind]
    simulated = simulate(simdata.load_scenario(SCENARIOS / file, overrides), 0)
    assert simulated.frames, kind
    for name, frame in simulated.frames.items():
        assert name in FRAMES, f"{name} is not in simdata/model/frames.py"
        declared = FRAMES[name].schema
        assert dict(frame.schema) == declared, name
        assert frame.columns == list(declared), name


def test_run_directory_doc_shows_the_catalogue() -> None:
    """docs/run-directory.md's generated frame section equals frames_markdown()."""
    text = (REPO / "docs" / "run-directory.md").read_text(encoding="utf-8")
    match = re.search(
        r"(<!-- generated from simdata/model/frames.py.*?)<!-- end of generated frames -->",
        text,
        re.DOTALL,
    )
    assert match is not None, "the generated frame section is missing"
    assert match.group(1) == frames_markdown(), (
        "docs/run-directory.md is stale: paste `python -m simdata.model.frames` into it"
    )


def test_written_frames_are_the_run_directory_tables() -> None:
    """The frames marked written are the model tables a run directory holds."""
    written = {name for name, frame in FRAMES.items() if frame.written}
    assert written == {
        "enterprises",
        "enterprise_days",
        "latency_histogram",
        "timeseries",
        "data_requests",
        "network_nodes",
        "network_enterprises",
    }
    assert FRAMES["data_requests"].file_stem == "requests"
    for frame in FRAMES.values():
        assert len({c.name for c in frame.columns}) == len(frame.columns), frame.name
