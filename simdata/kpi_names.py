"""KPI names: ``<area>.<measure>_<stat>`` with ``@<dimension>=<value>`` breakdowns.

One grammar for every KPI name in ``kpis.parquet`` and ``summary.parquet``, e.g.
``requests.time_to_data_p90@kind=enterprise`` or ``reviewers.utilisation@department=tax``.
The base name (before the first ``@``) is the registry key; the breakdowns, in the order
they were appended, say which slice of the base KPI a value belongs to. Code that needs the
base or the breakdowns of a name parses it here instead of splitting strings itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SEPARATOR = "@"
ASSIGN = "="


@dataclass(frozen=True)
class KpiName:
    """A parsed KPI name: its registry ``base`` and its ordered ``breakdowns``."""

    base: str
    breakdowns: Mapping[str, str] = field(default_factory=dict)

    @property
    def area(self) -> str:
        """The part of the base before the first dot (``requests``, ``resolution`` …)."""
        return self.base.split(".", 1)[0]

    @property
    def suffix(self) -> str:
        """The breakdowns as written after the base, without the leading ``@``."""
        return SEPARATOR.join(f"{d}{ASSIGN}{v}" for d, v in self.breakdowns.items())

    def with_breakdown(self, dimension: str, value: object) -> KpiName:
        """This name with one more breakdown appended."""
        return KpiName(self.base, {**self.breakdowns, dimension: str(value)})

    def __str__(self) -> str:
        return format(self.base, self.breakdowns.items())


def parse(name: str) -> KpiName:
    """``a.b@x=1@y=2`` → ``KpiName("a.b", {"x": "1", "y": "2"})``.

    Raises ``ValueError`` naming the bad part when the base is empty, a breakdown has no
    ``=``, or a dimension repeats.
    """
    base, *parts = name.split(SEPARATOR)
    if not base:
        raise ValueError(f"KPI name {name!r}: expected a base name before '@'")
    breakdowns: dict[str, str] = {}
    for part in parts:
        dimension, assign, value = part.partition(ASSIGN)
        if not assign or not dimension:
            raise ValueError(f"KPI name {name!r}: expected '@dimension=value', got '@{part}'")
        if dimension in breakdowns:
            raise ValueError(f"KPI name {name!r}: dimension {dimension!r} given twice")
        breakdowns[dimension] = value
    return KpiName(base, breakdowns)


def format(base: str, breakdowns: Iterable[tuple[str, object]] = ()) -> str:
    """``("a.b", [("x", 1)])`` → ``a.b@x=1`` (the inverse of :func:`parse`)."""
    return base + "".join(f"{SEPARATOR}{d}{ASSIGN}{v}" for d, v in breakdowns)


def base_of(name: str) -> str:
    """The registry key of a KPI name: everything before the first ``@``."""
    return name.split(SEPARATOR, 1)[0]


def suffix_of(name: str) -> str:
    """Everything after the first ``@`` (empty for a name without breakdowns)."""
    return name.partition(SEPARATOR)[2]
