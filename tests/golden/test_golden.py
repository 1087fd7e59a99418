"""Every shipped scenario, a capacity search and a sweep still produce the golden numbers
(tests/golden/data): same schema, same rows, floats exactly equal."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from tests.golden.cases import CASES, DATA, Case, differences, produce

pytestmark = [pytest.mark.validation, pytest.mark.slow]

_LIBRARIES = ("numpy", "polars", "scipy", "numba", "SALib", "simpy", "pyarrow")


def _versions() -> str:
    return ", ".join(f"{name} {metadata.version(name)}" for name in _LIBRARIES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_results_equal_the_golden_set(case: Case, tmp_path: Path) -> None:
    """Rerunning the case gives exactly the golden files (library versions on a mismatch)."""
    golden = DATA / case.name
    assert golden.is_dir(), f"no golden files: python -m tests.golden.cases {case.name}"
    produce(case, tmp_path / "out")
    found = differences(case, tmp_path / "out", golden)
    assert not found, f"{case.name} differs from the golden set ({_versions()}):\n" + "\n".join(
        found
    )
