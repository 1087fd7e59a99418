"""The exceptions simdata raises on purpose.

Every user-facing problem is a :class:`SimdataError`; the CLI prints ``str(error)`` as one
line and exits with the error's ``exit_code``. Anything else escaping to the CLI is a bug.
"""

from __future__ import annotations


class SimdataError(Exception):
    """Root of simdata's own errors; ``str()`` is the one line shown to the user."""

    exit_code = 2


class ScenarioError(SimdataError):
    """A scenario (file, ``extends`` chain or ``--set`` override) is not valid.

    The message has the form ``FILE:LINE: field.path: expected …, got …`` (``FILE:
    --set field.path: …`` for overrides), so editors can jump to the line.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str = "",
        override: bool = False,
    ) -> None:
        self.file = file
        self.line = line
        self.path = path
        self.override = override
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.file or "<scenario>"
        if self.override:
            where += ": --set"
            if self.path:
                where += f" {self.path}"
            return f"{where}: {self.detail}"
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f": {self.path}"
        return f"{where}: {self.detail}"


class UsageError(SimdataError):
    """A command-line option outside the scenario is wrong (for example ``--out``)."""


class RunError(SimdataError):
    """A run could not finish: one or more replications raised."""

    exit_code = 1
