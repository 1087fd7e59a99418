"""Generate the reference pages in ``docs/`` from the code they describe.

``python -m simdata.reference_docs`` rewrites ``docs/scenario-reference.md`` (from the
scenario models) and ``docs/kpis.md`` (from the KPI registry); a test fails when the
committed pages differ from what this produces.
"""

from __future__ import annotations

import sys
from pathlib import Path

from simdata.analysis.kpis import kpis_markdown
from simdata.scenario.schema import reference_markdown

PAGES = {
    "scenario-reference.md": reference_markdown,
    "kpis.md": kpis_markdown,
}


def write_pages(docs: Path) -> list[Path]:
    """Write every generated page into ``docs`` and return their paths."""
    written = []
    for name, render in PAGES.items():
        path = docs / name
        path.write_text(render(), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    for page in write_pages(target):
        print(f"wrote {page}")
