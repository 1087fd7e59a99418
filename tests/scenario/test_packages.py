"""The area packages of scenario (and of sweep and report plots) export what they name."""

from __future__ import annotations

import importlib
import inspect

import pytest

pytestmark = pytest.mark.unit

PACKAGES = (
    "simdata.scenario.resolution",
    "simdata.scenario.identifiers",
    "simdata.scenario.public_data",
    "simdata.experiments.sweep",
    "simdata.report.plots",
)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_exports_what_its_modules_define(name: str) -> None:
    """Every name in ``__all__`` exists; its classes and functions come from the package."""
    package = importlib.import_module(name)
    assert package.__all__ == sorted(package.__all__, key=lambda n: (not n.isupper(), n))
    for exported in package.__all__:
        value = getattr(package, exported)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith(name + "."), (exported, value.__module__)
