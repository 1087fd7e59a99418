"""The results directory: its place and owner, atomic writes, parts, and the manifest.

Every file is written under a temporary name in the same folder and moved into place with
``os.replace``, so a reader (or a crash) never sees half a file; the manifest is written
last, so a directory with a ``complete`` manifest has all its files. While a run is going,
each finished replication is a part ``parts/rep-NNNNNN.parquet`` and the manifest says
``running``; ``--resume`` reads the parts back.

- :mod:`~simdata.results.directory`: default name, ``--out`` checks, the lock;
- :mod:`~simdata.results.files`: atomic writes and parts;
- :mod:`~simdata.results.manifest`: the manifest and failure records (pydantic models).
"""

from simdata.results.directory import (
    DEFAULT_ROOT,
    LOCK_NAME,
    RunDirLock,
    check_out_dir,
    claim_run_dir,
    default_run_dir,
    iso,
    utc_now,
)
from simdata.results.files import (
    PARTS_DIR,
    part_path,
    part_paths,
    remove_parts,
    write_json,
    write_parquet,
    write_text,
)
from simdata.results.manifest import (
    MANIFESTS,
    SCHEMA_VERSION,
    CapacityManifest,
    CompareManifest,
    Failure,
    Manifest,
    OptimizeManifest,
    RunManifest,
    SweepManifest,
    manifest,
    provenance,
    read_manifest,
    run_manifest,
    write_manifest,
)

__all__ = [
    "DEFAULT_ROOT",
    "LOCK_NAME",
    "MANIFESTS",
    "PARTS_DIR",
    "SCHEMA_VERSION",
    "CapacityManifest",
    "CompareManifest",
    "Failure",
    "Manifest",
    "OptimizeManifest",
    "RunDirLock",
    "RunManifest",
    "SweepManifest",
    "check_out_dir",
    "claim_run_dir",
    "default_run_dir",
    "iso",
    "manifest",
    "part_path",
    "part_paths",
    "provenance",
    "read_manifest",
    "remove_parts",
    "run_manifest",
    "utc_now",
    "write_json",
    "write_manifest",
    "write_parquet",
    "write_text",
]
