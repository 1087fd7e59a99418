"""The sweep methods' table: every design method has an entry, and each size formula counts
the points its sampler draws."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from simdata.experiments.sweep import Design, Sweepable, design_from_data
from simdata.experiments.sweep.methods import METHODS

pytestmark = pytest.mark.unit


def _design(method: str, samples: int, **extra: Any) -> dict[str, Any]:
    return {
        "method": method,
        "samples": samples,
        "kpis": ["resolution.wait_mean"],
        "parameters": [
            {"path": "resolution.servers", "levels": [1, 2, 3]},
            {"path": "traffic.rate", "range": [1, 5], "unit": "/s"},
            {"path": "resolution.queue_limit", "range": [10, 100], "scale": "log"},
        ],
        **extra,
    }


def test_every_design_method_has_one_entry() -> None:
    """``Design.method`` and the table name the same methods."""
    assert set(get_args(Design.model_fields["method"].annotation)) == set(METHODS)


@pytest.mark.parametrize(
    ("method", "samples", "extra"),
    [
        ("grid", 1, {"levels": 3}),
        ("lhs", 20, {}),
        ("morris", 4, {"levels": 4}),
        ("sobol", 8, {}),
        ("sobol", 8, {"calc_second_order": True}),
        ("fast", 65, {}),
    ],
)
def test_size_formula_counts_the_sampled_points(
    method: str, samples: int, extra: dict[str, Any]
) -> None:
    """The size computed by arithmetic (before sampling) is the sample's row count."""
    bound = Sweepable(design_from_data(_design(method, samples, **extra)))
    points, formula = bound.size()
    levers = 3 + int(METHODS[method].noise_lever)  # the noise lever is sampled too
    assert bound.sample().matrix.shape == (points, levers), formula


def test_indices_shown_are_indices_reported() -> None:
    """The terminal ranks by indices the method reports."""
    for method in METHODS.values():
        assert set(method.shown) <= {name for name, _ in method.indices}
