"""The run directory: layout, atomic writes, and the manifest.

Every file is written under a temporary name in the same folder and moved into place with
``os.replace``, so a reader (or a crash) never sees half a file; the manifest is written
last, so a directory with a ``complete`` manifest has all its files. While a run is going,
each finished replication is a part ``parts/rep-NNNNNN.parquet`` and the manifest says
``running``; ``--resume`` reads the parts back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import io
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from simdata.errors import UsageError

SCHEMA_VERSION = 1
DEFAULT_ROOT = Path("results")
PARTS_DIR = "parts"
#: The lock file a run holds on its directory (see :class:`RunDirLock`).
LOCK_NAME = ".lock"
_PART_NAME = re.compile(r"rep-(\d{6,})\.parquet")
_PACKAGES = ("simdata", "simpy", "numpy", "polars", "pydantic", "scipy", "pyyaml")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def default_run_dir(root: Path = DEFAULT_ROOT) -> Path:
    """``results/<UTC yyyymmddThhmmssZ>-<6 hex>/``."""
    return root / f"{utc_now().strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def check_out_dir(out: Path) -> None:
    """Refuse an ``--out`` that exists and is not an empty directory (exit 2).

    The ``.lock`` file a finished or crashed run may leave does not count as an entry.
    """
    if out.is_symlink() and not out.exists():
        raise UsageError(
            f"{out}: --out: expected a new or empty directory, got a dangling symbolic link "
            f"(to {os.readlink(out)})"
        )
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --out: expected a new or empty directory, got a file")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(
                    f"{out}: --out: expected a directory path, got one under the file {parent}"
                )
            break
    if out.is_dir():
        entries = [entry for entry in out.iterdir() if entry.name != LOCK_NAME]
        if entries:
            raise UsageError(
                f"{out}: --out: expected a new or empty directory, got one with "
                f"{len(entries)} entries"
            )


class RunDirLock:
    """Ownership of a run directory for a run's whole life: an exclusive ``flock`` on
    ``DIR/.lock``, held until :meth:`release` (or until the process dies, when the kernel
    drops it — so a crash never leaves a directory locked).

    Two simdata processes given the same ``--out`` (or ``--resume`` of the same directory)
    cannot both own it: the second gets one line and exit 2 and writes nothing. The lock
    file is removed when the run releases the directory; a second process that opened the
    old file just before that notices the unlinked inode and refuses, so it never believes
    it owns a directory another process has just finished.
    """

    def __init__(self, directory: Path, fd: int, created: bool) -> None:
        self.directory = directory
        self._fd: int | None = fd
        self._created = created

    def release(self) -> None:
        """Give the directory up; a directory this lock created and nothing filled goes."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        lock = self.directory / LOCK_NAME
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)
        if self._created:
            with contextlib.suppress(OSError):
                self.directory.rmdir()  # only if empty: a failed run that wrote nothing

    def __enter__(self) -> RunDirLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def claim_run_dir(out: Path, *, resume: bool = False) -> RunDirLock:
    """Create ``out`` (or take an existing empty one) and lock it for this run.

    With ``resume`` the directory must exist and may hold files (its parts); otherwise it
    must be new or empty. Every refusal is one line, exit 2, with nothing written.
    """
    if not resume:
        check_out_dir(out)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666 & ~_UMASK)
    except OSError as error:
        raise UsageError(
            f"{out}: --out: expected a directory simdata can create and write, got "
            f"{error.strerror or error}"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        same = os.fstat(fd).st_ino == os.stat(out / LOCK_NAME).st_ino
    except OSError:
        os.close(fd)
        raise UsageError(
            f"{out}: expected a directory no other simdata process is writing, got one "
            "that another run owns (wait for it, or choose another --out)"
        ) from None
    lock = RunDirLock(out, fd, created)
    if not same:
        os.close(fd)
        raise UsageError(
            f"{out}: expected a directory no other simdata process is writing, got one "
            "another run has just finished"
        )
    if not resume:
        try:
            check_out_dir(out)  # again, now that no one else can write it
        except UsageError:
            lock.release()
            raise
    return lock


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once at import (os.umask can only be read by setting it).
_UMASK = _current_umask()


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(temporary))
        # mkstemp makes the file private (0600); results are shared: the usual 0666 − umask.
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write text atomically (UTF-8)."""

    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")

    _atomic(path, write)


def write_parquet(path: Path, frame: pl.DataFrame) -> None:
    """Write a polars frame to Parquet atomically.

    The file is encoded in memory and written by Python, so a full disk or a file-size
    limit is an ``OSError`` with its errno (polars would wrap it in a ``ComputeError``).
    """
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    data = buffer.getvalue()

    def write(temporary: Path) -> None:
        temporary.write_bytes(data)

    _atomic(path, write)


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def part_path(run_dir: Path, index: int) -> Path:
    """``RUN_DIR/parts/rep-NNNNNN.parquet``: replication ``index``'s part."""
    return run_dir / PARTS_DIR / f"rep-{index:06d}.parquet"


def part_paths(run_dir: Path) -> dict[int, Path]:
    """The finished parts of a run directory by replication index (temporaries ignored)."""
    folder = run_dir / PARTS_DIR
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        match = _PART_NAME.fullmatch(path.name)
        if match is not None:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def remove_parts(run_dir: Path) -> None:
    """Delete ``parts/`` once the final tables and manifest hold everything."""
    shutil.rmtree(run_dir / PARTS_DIR, ignore_errors=True)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """A run directory's ``manifest.json`` (exit 2 when missing or unreadable)."""
    path = run_dir / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: expected a run directory's manifest, got no such file") from None
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: expected a JSON manifest, got {error}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def _git_state() -> dict[str, Any]:
    """Commit and dirty flag of the simdata source checkout, when it is one."""
    source = Path(__file__).resolve().parent.parent
    if not (source / ".git").exists():
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(status.strip())}


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def manifest(
    *,
    kind: str,
    status: str,
    argv: list[str],
    started: dt.datetime,
    finished: dt.datetime | None,
    scenario_sha256: str,
    root_seed: int,
    replications: int,
    warnings: list[str],
    failures: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest's content (provenance of a run directory)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "status": status,
        "argv": argv,
        "started_utc": iso(started),
        "finished_utc": iso(finished) if finished else None,
        "scenario_sha256": scenario_sha256,
        "root_seed": root_seed,
        "replications": replications,
        "git": _git_state(),
        "python": sys.version.split()[0],
        "packages": _versions(),
        "host": platform.node(),
        "platform": platform.platform(),
        "warnings": warnings,
        "failures": failures,
        **(extra or {}),
    }
