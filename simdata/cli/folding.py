"""Many-valued breakdowns folded in the terminal: the top rows and "N more rows in FILE".

A public-data run has one row per department for a dozen KPIs — 40 departments make 480
rows, and the table a planner reads scrolls away. Each group of rows that differ only in
a breakdown's value (``reviewers.utilisation_mean@department=…``) keeps its :data:`LIMIT`
rows of largest ``size`` — the worst in the KPI's better direction for ``run``, the largest
difference for ``compare`` — plus every targeted row, and ends with a line saying how many
more are in the file. A table filtered with ``--kpi``/``--targets-only`` shows every row it
keeps: the filter is how one asks for a folded group in full.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from simdata import kpi_names

#: Rows a breakdown group shows before it folds.
LIMIT = 5

T = TypeVar("T")


@dataclass(frozen=True)
class Folded:
    """The marker left where a group's other rows were: how many, of which KPI."""

    count: int
    group: str

    def text(self, where: str) -> str:
        """``55 more rows in compare.parquet`` (``where`` says where they are)."""
        return f"{self.count} more {'row' if self.count == 1 else 'rows'} {where}"


@dataclass(frozen=True)
class _Entry(Generic[T]):
    item: T
    name: str
    size: float
    keep: bool


def group_of(name: str) -> str | None:
    """``reviewers.utilisation_mean@department=*`` for a broken-down name, else ``None``."""
    try:
        parsed = kpi_names.parse(name)
    except ValueError:
        return None
    if not parsed.breakdowns:
        return None
    return kpi_names.format(parsed.base, ((d, "*") for d in parsed.breakdowns))


def fold(
    items: Sequence[T],
    name: Callable[[T], str],
    size: Callable[[T], float | None],
    keep: Callable[[T], bool] = lambda item: False,
    limit: int = LIMIT,
) -> list[T | Folded]:
    """``items`` with each breakdown group of more than ``limit`` rows cut to its ``limit``
    largest by ``size`` (NaN/None last) and the ``keep`` rows, in that order, at the group's
    first place, followed by a :class:`Folded` marker."""
    groups: dict[str, list[_Entry[T]]] = {}
    for item in items:
        key = group_of(name(item))
        if key is not None:
            value = size(item)
            number = -math.inf if value is None or math.isnan(value) else value
            groups.setdefault(key, []).append(_Entry(item, name(item), number, keep(item)))
    shown: list[T | Folded] = []
    done: set[str] = set()
    for item in items:
        key = group_of(name(item))
        members = groups.get(key, []) if key is not None else []
        if key is None or len(members) <= limit:
            shown.append(item)
            continue
        if key in done:
            continue
        done.add(key)
        ranked = sorted(members, key=lambda e: e.size, reverse=True)
        chosen = [e for e in ranked if e.keep] + [e for e in ranked if not e.keep][:limit]
        shown += [e.item for e in chosen]
        shown.append(Folded(len(members) - len(chosen), key))
    return shown
