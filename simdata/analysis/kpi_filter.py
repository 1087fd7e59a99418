"""Which KPI rows a table shows: ``--kpi PATTERN`` globs and ``--targets-only``.

One rule for ``run``, ``compare`` and ``report``: a row is shown when its full name
(breakdowns included) matches one of the patterns (``fnmatch``, case-sensitive, so
``resolution.*`` matches ``resolution.wait_mean@node=a`` too) — every row when none is
given — and, with ``targets_only``, when a target names it. The files keep every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class KpiFilter:
    """The rows a person asked to see."""

    patterns: tuple[str, ...] = ()
    targets_only: bool = False

    @property
    def active(self) -> bool:
        """Whether anything is filtered (a filtered table shows every row it keeps)."""
        return bool(self.patterns) or self.targets_only

    def keeps(self, name: str, targeted: bool) -> bool:
        """Whether the row of KPI ``name`` (with a target or not) is shown."""
        if self.targets_only and not targeted:
            return False
        return not self.patterns or any(fnmatchcase(name, p) for p in self.patterns)

    def unmatched(self, names: Iterable[str]) -> list[str]:
        """The patterns that match none of ``names`` (worth a warning: a typo shows nothing)."""
        seen = list(names)
        return [p for p in self.patterns if not any(fnmatchcase(n, p) for n in seen)]

    def describe(self) -> str:
        """``--kpi 'resolution.*' --targets-only``: how the rows were chosen, for a caption."""
        parts = [f"--kpi '{p}'" for p in self.patterns]
        if self.targets_only:
            parts.append("--targets-only")
        return " ".join(parts)
