"""The noise lever: a dummy in every SALib design, whose index is what replication noise gives.

Points of a sweep share one root seed (common random numbers), so the noise cancels between
two points when they consume the same random numbers. A lever that changes which numbers a
replication consumes (a different service-time law, a longer horizon, a component switched
on) breaks that: its index then holds replication noise, and an inert lever of that kind
was flagged as mattering in every Morris run (issue 12 §5). The noise lever measures that
noise on purpose: its value in [0, 1] selects the point's random substream within its design
unit (:func:`point_seed`; the scenario is not touched), so moving it re-draws the noise and
nothing else. A lever whose index is not above the noise lever's at 95 % is "≈ 0".

The comparison is one-sided and paired: the lever's index minus the noise lever's, over
bootstrap resamples of the design's independent units — Morris trajectories (Morris 1991),
Sobol' base rows (Saltelli et al. 2010; SALib's own resampling, one resample shared by
every lever) — each carrying its points' replications along. Resampling only the top level
of a two-level design is the bootstrap that keeps the variance right; resampling the
replications inside the resampled units as well would count the noise twice (Davison &
Hinkley 1997, §3.8). The lever is "≈ 0" unless the difference exceeds t(0.95, n − 1) times
its bootstrap standard error (widened by n/(n − 1)) for n units (:func:`_decide_paired`).
eFAST's points are not independent units (they lie on search curves); there SALib's own
CIs (which SALib calls indicative) give a normal approximation of the difference.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from SALib.analyze import morris as morris_analyze
from scipy import stats

from simdata.arrays import FloatArray
from simdata.engine.streams import substream_seed
from simdata.experiments.sweep.methods import RESAMPLES, Problem

if TYPE_CHECKING:
    from simdata.experiments.sweep.design import Design

#: Confidence that a lever's index is above the noise lever's before it is not "≈ 0".
CONFIDENCE = 0.95
#: Distinct substreams the noise lever's value range [0, 1] is cut into.
DRAWS = 2**32


def noise_draw(value: float) -> int:
    """The substream a noise-lever value in [0, 1] selects (equal values, equal substream)."""
    return min(max(math.floor(value * DRAWS), 0), DRAWS - 1)


def point_seed(root_seed: int, unit: int, value: float) -> int:
    """The root seed of a point of design unit ``unit`` whose noise lever is at ``value``.

    The unit (a Morris trajectory, a Sobol' base row with its mixes, an eFAST point) is part
    of the substream: a design's grid puts the noise lever on the same few values in many
    units, and with the value alone those units would share their noise, which the bootstrap
    over units takes for independent (measured: an inert lever was flagged in 36 % of Morris
    runs). Inside a unit, points with equal noise-lever values share their random numbers, so
    the other levers keep their common random numbers.
    """
    return substream_seed(root_seed, unit, noise_draw(value))


def _morris_resamples(
    problem: Problem, matrix: FloatArray, outputs: FloatArray, design: Design
) -> dict[str, FloatArray]:
    """Bootstrap μ* (resamples × levers), trajectories resampled with their replications.

    μ* is the mean over trajectories of |elementary effect|, so a resample's μ* is the mean of
    the resampled trajectories' own μ*, each SALib's on that trajectory alone.
    """
    levers = int(problem["num_vars"])
    size = levers + 1
    trajectories = len(outputs) // size
    own = np.empty((trajectories, levers))
    with warnings.catch_warnings():
        # σ of one trajectory has no degrees of freedom (SALib warns, and σ is not used).
        warnings.simplefilter("ignore", RuntimeWarning)
        for t in range(trajectories):
            rows = slice(t * size, (t + 1) * size)
            found = morris_analyze.analyze(
                problem, matrix[rows], outputs[rows], num_levels=design.levels, num_resamples=2
            )
            own[t] = np.asarray(found["mu_star"], dtype=np.float64)
    rng = np.random.default_rng(design.sampler_seed)
    picks = rng.integers(trajectories, size=(RESAMPLES, trajectories))
    return {"mu_star": own[picks].mean(axis=1)}


def _sobol_resamples(result: Mapping[str, Any]) -> dict[str, FloatArray]:
    """SALib's own bootstrap values of S1 and ST (base rows resampled, one draw for all)."""
    return {
        index: np.asarray(result[f"{index}_conf_all"], dtype=np.float64)
        for index in ("S1", "ST")
        if f"{index}_conf_all" in result
    }


def _decide_paired(
    resamples: FloatArray, observed: FloatArray, noise: int, units: int
) -> list[bool | None]:
    """Per lever: whether its index minus the noise lever's is not above 0 at 95 %.

    The difference's standard error is the bootstrap's, widened by n/(n − 1) and judged
    against Student's t with n − 1 degrees of freedom for n units: at the shipped sizes
    (10 trajectories, 16 base rows) the plain percentile bootstrap, which is too narrow on
    so few units, flagged an inert lever in 8.5 % (Morris) and 11 % (Sobol') of runs.
    """
    difference = resamples - resamples[:, [noise]]
    se = np.nanstd(difference, axis=0, ddof=1) * math.sqrt(units / max(units - 1, 1))
    bound = float(stats.t.ppf(CONFIDENCE, max(units - 1, 1)))
    above = observed - observed[noise] > bound * se
    return [None if i == noise else not bool(above[i]) for i in range(len(observed))]


def _decide_normal(values: FloatArray, halves: FloatArray, noise: int) -> list[bool | None]:
    """Per lever from SALib's 95 % half-widths: a one-sided normal test of the difference."""
    se = halves / stats.norm.ppf(0.975)
    above = values - values[noise] > stats.norm.ppf(CONFIDENCE) * np.hypot(se, se[noise])
    return [None if i == noise else not bool(above[i]) for i in range(len(values))]


def near_zero(
    method: str,
    problem: Problem,
    matrix: FloatArray,
    outputs: FloatArray,
    result: Mapping[str, Any],
    design: Design,
) -> dict[str, list[bool | None]]:
    """Index → per lever, whether it is "≈ 0" against the noise lever (the last lever).

    The noise lever's own entry is None (it is the reference), and so is every entry of an
    index without a CI (Morris μ and σ).
    """
    noise = int(problem["num_vars"]) - 1
    if method == "morris":
        resamples = _morris_resamples(problem, matrix, outputs, design)
        units = len(outputs) // (noise + 2)
    elif method == "sobol":
        resamples = _sobol_resamples(result)
        units = design.samples
    else:
        return {
            index: _decide_normal(
                np.asarray(result[index], dtype=np.float64),
                np.asarray(result[f"{index}_conf"], dtype=np.float64),
                noise,
            )
            for index in ("S1", "ST")
        }
    return {
        index: _decide_paired(values, np.asarray(result[index], dtype=np.float64), noise, units)
        for index, values in resamples.items()
    }
