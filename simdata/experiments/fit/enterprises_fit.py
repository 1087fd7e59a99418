"""``simdata fit DATA --as enterprises``: a monthly enterprise log → ``enterprises`` fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from simdata.errors import UsageError
from simdata.experiments.fit.enterprises_log import parse_enterprises
from simdata.experiments.fit.reading import read_log


@dataclass(frozen=True)
class EnterprisesFit:
    """The fit's scenario text."""

    text: str


def fit_enterprises(
    data: Path, base: Path | None = None, renames: Mapping[str, str] = {}, out: Path | None = None
) -> EnterprisesFit:
    """Fit an enterprises log (the log is checked; the fits come in the next step)."""
    parse_enterprises(read_log(data, renames), str(data))
    raise UsageError("--as enterprises: the log is valid; fitting it is not implemented yet")
