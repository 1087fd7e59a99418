"""A run directory's place and ownership: the default name, the ``--out`` checks, the lock.

The run owns its directory through ``DIR/.lock`` for its whole life (:class:`RunDirLock`);
every refusal is one line, exit 2, with nothing written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import secrets
from pathlib import Path

from simdata.errors import UsageError
from simdata.results.files import UMASK

DEFAULT_ROOT = Path("results")
#: The lock file a run holds on its directory (see :class:`RunDirLock`).
LOCK_NAME = ".lock"


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
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666 & ~UMASK)
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
