"""The fit page's figures: how well each ranked family describes a fitted duration, and the
arrival profile.

Censored samples (reviews still open, timed-out requests) are compared with the
Kaplan–Meier estimate (``scipy.stats.ecdf`` on :class:`scipy.stats.CensoredData`), not with
the ended durations alone, which are biased short; without censoring it is the plain ECDF.
The histogram is the Kaplan–Meier probability of each bin over its width (the plain density
histogram when nothing is censored), cut at its 99th percentile so one long review does not
squash the rest. Q–Q and P–P points use the mid-step plotting positions
(F(t⁻) + F(t)) / 2, i.e. (i − ½)/n without censoring, so no point sits at probability 1.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from matplotlib.axes import Axes
from scipy import stats

from simdata.arrays import FloatArray
from simdata.experiments.fit.censored import FAMILIES, FamilyFit
from simdata.report.fit_samples import Band, Profile, Sample
from simdata.report.plots.common import PALETTE, Canvas, Plot

#: Most points a Q–Q or P–P panel draws (evenly spaced in probability beyond that).
MAX_POINTS = 2000
BINS = 40
#: The histogram's x-axis stops at this Kaplan–Meier quantile.
CUT = 0.99


def frozen(fit: FamilyFit) -> stats.rv_continuous:
    """The fitted family as a frozen scipy distribution (scale in the fit's unit)."""
    dist, names, _, from_logs = FAMILIES[fit.family]
    return dist(*from_logs(tuple(math.log(fit.params[n]) for n in names)))


def kaplan_meier(sample: Sample) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Event times, the estimate F at them and its mid-step plotting positions."""
    data = (
        stats.CensoredData(uncensored=sample.done, right=sample.censored)
        if sample.censored.size
        else sample.done
    )
    cdf = stats.ecdf(data).cdf
    times = np.asarray(cdf.quantiles, dtype=np.float64)
    level = np.asarray(cdf.probabilities, dtype=np.float64)
    before = np.concatenate(([0.0], level[:-1]))
    return times, level, (before + level) / 2


def _thin(*arrays: FloatArray) -> list[FloatArray]:
    size = arrays[0].size
    if size <= MAX_POINTS:
        return list(arrays)
    index = np.unique(np.linspace(0, size - 1, MAX_POINTS).round().astype(np.int64))
    return [a[index] for a in arrays]


def _density(
    axes: Axes, sample: Sample, families: list[FamilyFit], unit: str, canvas: Canvas
) -> None:
    """KM histogram with every ranked family's fitted density (the chosen one solid)."""
    times, level, _ = kaplan_meier(sample)
    top = float(times[np.searchsorted(level, CUT)]) if level[-1] >= CUT else float(times[-1])
    edges = np.linspace(0.0, top, BINS + 1)
    mass = np.diff(np.interp(edges, times, level, left=0.0))
    width = np.diff(edges)
    axes.bar(edges[:-1], mass / width, width=width, align="edge", color="#c9d6e3",
             edgecolor="#ffffff", label=canvas.t("fit.km_histogram"))  # fmt: skip
    x = np.linspace(top / 400, top, 400)
    best = families[0].aic
    for index, fit in enumerate(families):
        label = f"{canvas.t(f'fit.family.{fit.family}')} (ΔAIC {fit.aic - best:.1f})"
        axes.plot(x, frozen(fit).pdf(x), color=PALETTE[index % len(PALETTE)],
                  linewidth=2.0 if index == 0 else 1.2,
                  linestyle="-" if index == 0 else "--", label=label)  # fmt: skip
    axes.set_xlim(0, top)
    axes.set_xlabel(unit)
    axes.set_ylabel(canvas.t("fit.density_axis", unit=unit))
    axes.legend(loc="upper right")


def _qq_pp(qq: Axes, pp: Axes, sample: Sample, best: FamilyFit, unit: str, canvas: Canvas) -> None:
    """Q–Q (model quantile vs observed) and P–P (model CDF vs KM) of the chosen family."""
    times, _, middle = kaplan_meier(sample)
    times, middle = _thin(times, middle)
    model = frozen(best)
    family = canvas.t(f"fit.family.{best.family}")
    expected = model.ppf(middle)
    qq.plot(expected, times, ".", markersize=3, color=PALETTE[0])
    top = float(max(np.max(expected), np.max(times)))
    qq.plot([0, top], [0, top], color="#7a7a7a", linewidth=1, linestyle=":")
    qq.set_title("Q–Q")
    qq.set_xlabel(canvas.t("fit.qq_x", family=family, unit=unit))
    qq.set_ylabel(canvas.t("fit.qq_y", unit=unit))
    pp.plot(model.cdf(times), middle, ".", markersize=3, color=PALETTE[1])
    pp.plot([0, 1], [0, 1], color="#7a7a7a", linewidth=1, linestyle=":")
    pp.set_title("P–P")
    pp.set_xlim(0, 1)
    pp.set_ylim(0, 1)
    pp.set_xlabel(canvas.t("fit.pp_x", family=family))
    pp.set_ylabel(canvas.t("fit.pp_y"))


def duration_plot(
    canvas: Canvas, slug: str, sample: Sample, families: list[FamilyFit], unit: str, field: str
) -> Plot:
    """One figure per fitted duration: densities, then Q–Q and P–P of the chosen family
    (one figure, not three: each costs a layout pass, and the page draws several)."""
    with canvas.figure(11.0, 3.8) as figure:
        density, qq, pp = figure.subplots(1, 3, width_ratios=(2.2, 1, 1))
        _density(density, sample, families, unit, canvas)
        _qq_pp(qq, pp, sample, families[0], unit, canvas)
    family = canvas.t(f"fit.family.{families[0].family}")
    plot = canvas.plot("fit_duration", figure, field=field, family=family)
    return dataclasses.replace(plot, key=f"fit_duration-{slug}")


def _band_axes(axes: Axes, x: FloatArray, band: Band, color: str, canvas: Canvas) -> None:
    axes.fill_between(x, band.low, band.high, color=color, alpha=0.2, linewidth=0,
                      label=canvas.t("ci95"))  # fmt: skip
    axes.plot(x, band.mean, color=color, linewidth=1.6, marker="o", markersize=3,
              label=canvas.t("mean"))  # fmt: skip


def profile_plot(canvas: Canvas, profile: Profile) -> Plot:
    """Mean arrivals per hour of the day and per day of the week, with 95 % CI bands."""
    with canvas.figure(8.5, 3.6) as figure:
        hourly, weekly = figure.subplots(1, 2, width_ratios=(3, 2))
        _band_axes(
            hourly, np.arange(24, dtype=np.float64) + 0.5, profile.hourly, PALETTE[0], canvas
        )
        hourly.set_xlim(0, 24)
        hourly.set_xticks(range(0, 25, 3))
        hourly.set_xlabel(canvas.t("fit.hour_axis"))
        hourly.set_ylabel(canvas.t("fit.per_hour_axis"))
        hourly.legend(loc="upper left")
        _band_axes(weekly, np.arange(7, dtype=np.float64), profile.weekday, PALETTE[1], canvas)
        weekly.set_xticks(range(7), [canvas.t(f"fit.weekday.{d}") for d in range(7)])
        weekly.set_ylabel(canvas.t("fit.per_day_axis"))
        weekly.set_ylim(bottom=0)
        hourly.set_ylim(bottom=0)
    return canvas.plot("fit_profile", figure, n=profile.n, days=profile.days)
