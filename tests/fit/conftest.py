"""Fit tests check fitted fields, not p-values: they run the goodness-of-fit bootstrap with
19 replicates instead of 199 (tests/fit/test_goodness.py measures the test itself with its
replicates stated). This keeps the fit tests' CI time in budget."""

from __future__ import annotations

import pytest

from simdata.experiments.fit import goodness


@pytest.fixture(autouse=True)
def _few_gof_replicates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(goodness, "REPLICATES", 19)
