"""The sweep methods in one table, laid out as SALib lays them out: sample, then analyse.

Each entry says how the method samples (SALib's ``SALib.sample.*``), how it analyses the
points' outputs (``SALib.analyze.*``), how many points a design of it has (by arithmetic,
before anything is sampled), which indices it reports with which CI, and which designs it
refuses. Morris (1991) with Campolongo et al. (2007) μ*; Sobol' (2001) with Saltelli et al.
(2010) estimators; eFAST (Saltelli et al. 1999); RBD-FAST (Tarantola et al. 2006) on a
Latin hypercube. A grid is an ordinary full factorial with no indices.

Morris, Sobol' and eFAST designs get one more lever than the design names: the noise lever
(:data:`NOISE_LEVER`, a dummy in SALib's problem), whose value picks the replication's random
substream and changes nothing else. Its index is what replication noise alone produces; a
lever is "≈ 0" when its index is not above the noise lever's at 95 % (see :mod:`.noise`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

# SALib ships no type information (no py.typed).
from SALib.analyze import fast as fast_analyze
from SALib.analyze import morris as morris_analyze
from SALib.analyze import rbd_fast
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import fast_sampler, latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from simdata.arrays import FloatArray

if TYPE_CHECKING:
    from simdata.experiments.sweep.design import Design, Parameter

#: eFAST's interference factor (SALib's default M); a FAST sample needs N > 4·M².
FAST_M = 4

#: SALib's problem: ``num_vars``, ``names``, ``bounds``, ``dists``.
Problem = dict[str, Any]

#: The noise lever's name in every table (``points.parquet``, ``indices.parquet``); a design
#: parameter may not take it.
NOISE_LEVER = "(noise)"
#: Bootstrap resamples behind a "≈ 0" decision (Sobol' through SALib's own resampling).
RESAMPLES = 1000


@dataclass(frozen=True)
class SweepMethod:
    """One method: its sampler, analyser, size formula, indices and sample-size rule."""

    #: ``(problem, design) → matrix``, one row per point.
    sample: Callable[[Problem, Design], FloatArray]
    #: ``(problem, matrix, outputs, design) → SALib's result`` (None: no indices).
    analyse: Callable[[Problem, FloatArray, FloatArray, Design], Mapping[str, Any]] | None
    #: ``design → (points, how they follow from the design)``.
    size: Callable[[Design], tuple[int, str]]
    #: The indices reported, each with the key of its CI half-width (None: SALib gives none).
    indices: tuple[tuple[str, str | None], ...]
    #: The index parameters are ranked by, then those shown beside it (terminal table).
    shown: tuple[str, ...]
    #: ``samples → why they are refused`` (None: accepted).
    check_samples: Callable[[int], str | None] = lambda samples: None
    #: Whether its levels include the ends of each range (no normal or lognormal inputs).
    bounded: bool = False
    #: ``design → the design field whose reduction shrinks the point count``.
    size_field: Callable[[Design], tuple[str, ...]] = lambda design: ("samples",)
    #: ``design → points per independent unit`` (a Morris trajectory, a Sobol' base row
    #: with its mixes; 1 for eFAST), for methods whose designs get the noise lever
    #: (:data:`NOISE_LEVER`) as their last lever; None: no noise lever.
    unit: Callable[[Design], int] | None = None

    @property
    def noise_lever(self) -> bool:
        return self.unit is not None


def levers(design: Design) -> int:
    """Levers SALib sees: the design's parameters, plus the noise lever where it has one."""
    return len(design.parameters) + int(METHODS[design.method].noise_lever)


def _levers_text(design: Design) -> str:
    """``11 parameters + noise lever`` (how the lever count is made up, for size lines)."""
    k = len(design.parameters)
    noise = " + noise lever" if METHODS[design.method].noise_lever else ""
    return f"{k} parameters{noise}"


def _grid_levels(parameter: Parameter, design: Design) -> int:
    """How many values one parameter takes on the grid."""
    return len(parameter.levels) if parameter.levels is not None else design.levels


def grid_axis(parameter: Parameter, design: Design) -> list[float]:
    """Matrix values of one parameter on the grid (level positions for levels)."""
    if parameter.levels is not None:
        return [i + 0.5 for i in range(len(parameter.levels))]
    assert parameter.range is not None  # other kinds are refused for grid
    low, high = parameter.range
    if parameter.scale == "log":
        return list(np.geomspace(low, high, design.levels))
    return list(np.linspace(low, high, design.levels))


def _grid_sample(problem: Problem, design: Design) -> FloatArray:
    axes = [grid_axis(p, design) for p in design.parameters]
    return np.array(list(itertools.product(*axes)), dtype=np.float64)


def _grid_size(design: Design) -> tuple[int, str]:
    axes = [_grid_levels(p, design) for p in design.parameters]
    return math.prod(axes), " × ".join(str(a) for a in axes) + " levels"


def _grid_size_field(design: Design) -> tuple[str, ...]:
    return ("levels",) if any(p.levels is None for p in design.parameters) else ("parameters",)


def _sobol_size(design: Design) -> tuple[int, str]:
    d, n, text = levers(design), design.samples, _levers_text(design)
    if design.calc_second_order:
        return n * (2 * d + 2), f"N = {n} × (2 × ({text}) + 2)"
    return n * (d + 2), f"N = {n} × ({text} + 2)"


def _nearest_powers(n: int) -> tuple[int, int]:
    low = 1 << max(n.bit_length() - 1, 0)
    return low, low * 2


def _sobol_samples(n: int) -> str | None:
    if n >= 2 and not n & (n - 1):
        return None
    below, above = _nearest_powers(n)
    nearest = f"{above}" if below < 2 else f"{below} or {above}"
    return f"expected a power of two for sobol (nearest: {nearest}), got {n}"


def _fast_samples(n: int) -> str | None:
    if n > 4 * FAST_M**2:
        return None
    return (
        f"expected more than {4 * FAST_M**2} points per parameter for fast (4·M², "
        f"M = {FAST_M}), got {n}"
    )


METHODS: dict[str, SweepMethod] = {
    "grid": SweepMethod(
        sample=_grid_sample,
        analyse=None,
        size=_grid_size,
        indices=(),
        shown=(),
        bounded=True,
        size_field=_grid_size_field,
    ),
    "lhs": SweepMethod(
        sample=lambda problem, d: latin.sample(problem, d.samples, seed=d.sampler_seed),
        analyse=lambda problem, x, y, d: rbd_fast.analyze(problem, x, y, seed=d.sampler_seed),
        size=lambda d: (d.samples, f"{d.samples} samples"),
        indices=(("S1", "S1_conf"),),
        shown=("S1",),
    ),
    "morris": SweepMethod(
        sample=lambda problem, d: morris_sample.sample(
            problem, d.samples, num_levels=d.levels, seed=d.sampler_seed
        ),
        analyse=lambda problem, x, y, d: morris_analyze.analyze(
            problem, x, y, num_levels=d.levels, seed=d.sampler_seed
        ),
        size=lambda d: (
            d.samples * (levers(d) + 1),
            f"{d.samples} trajectories × ({_levers_text(d)} + 1)",
        ),
        indices=(("mu_star", "mu_star_conf"), ("mu", None), ("sigma", None)),
        shown=("mu_star", "sigma"),
        bounded=True,
        unit=lambda d: levers(d) + 1,
    ),
    "sobol": SweepMethod(
        sample=lambda problem, d: sobol_sample.sample(
            problem, d.samples, calc_second_order=d.calc_second_order, seed=d.sampler_seed
        ),
        # keep_resamples: SALib's bootstrap values, one resample of the base rows shared
        # by every lever (paired), for the "≈ 0" comparison with the noise lever.
        analyse=lambda problem, x, y, d: sobol_analyze.analyze(
            problem,
            y,
            calc_second_order=d.calc_second_order,
            num_resamples=RESAMPLES,
            keep_resamples=True,
            seed=d.sampler_seed,
        ),
        size=_sobol_size,
        indices=(("S1", "S1_conf"), ("ST", "ST_conf")),
        shown=("ST", "S1"),
        check_samples=_sobol_samples,
        unit=lambda d: _sobol_size(d)[0] // d.samples,
    ),
    "fast": SweepMethod(
        sample=lambda problem, d: fast_sampler.sample(
            problem, d.samples, M=FAST_M, seed=d.sampler_seed
        ),
        analyse=lambda problem, x, y, d: fast_analyze.analyze(
            problem, y, M=FAST_M, seed=d.sampler_seed
        ),
        size=lambda d: (
            d.samples * levers(d),
            f"{d.samples} × ({_levers_text(d)})",
        ),
        indices=(("S1", "S1_conf"), ("ST", "ST_conf")),
        shown=("ST", "S1"),
        check_samples=_fast_samples,
        unit=lambda d: 1,
    ),
}
