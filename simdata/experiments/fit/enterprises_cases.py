"""Innovative cases with a per-identifier part: rate + per_identifier × identifiers, by MLE.

The model's cases of an enterprise on a day are Poisson with mean ``rate + per_identifier ×
identifiers registered before the day`` (× 1 d), from its joining day. A month's cases are then
Poisson with mean ``rate·D + per_identifier·I``: D its days on the node in the month, I its
identifier-days (identifiers held at the month's start × D, plus the month's registrations spread
evenly over its working days; an enterprise's first and last registration months are left out,
as for the usage intensity). Only enterprises that joined inside the log count: the
identifiers of those already on the node before it are unknown. The two rates are fitted by
maximum likelihood on their logs (Wald CIs from the observed information); used only when the
base sets ``cases.per_identifier`` — otherwise all cases are ``rate`` (exact Poisson CI).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from simdata.arrays import FloatArray
from simdata.experiments.fit.enterprises_adoption import Estimate, standard_errors
from simdata.experiments.fit.enterprises_log import EnterprisesLog
from simdata.experiments.fit.enterprises_months import Days, joiners


def case_exposure(log: EnterprisesLog, days: Days) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per joiner and month: cases, days on the node, identifier-days (see module docstring)."""
    assert log.cases is not None
    n_days = days.workday.size
    start = days.month_start
    month_of_day = np.searchsorted(start, np.arange(n_days), side="right") - 1
    cum = np.concatenate([[0], np.cumsum(days.workday)])
    work = np.maximum(np.diff(cum[start]), 1)
    share = (cum[:-1] - cum[start[month_of_day]]) / work[month_of_day]
    firms = np.flatnonzero(joiners(log))
    joined = log.joined_day[firms]
    on = np.arange(n_days)[None, :] >= joined[:, None]  # (firms, days)
    on_days = np.zeros((firms.size, log.months))
    spread = np.zeros((firms.size, log.months))
    for m in range(log.months):
        span = slice(int(start[m]), int(start[m + 1]))
        on_days[:, m] = on[:, span].sum(axis=1)
        spread[:, m] = (on[:, span] * share[span][None, :]).sum(axis=1)
    reg = log.registrations[firms].astype(np.float64)
    held = np.cumsum(reg, axis=1) - reg
    identifier_days = held * on_days + reg * spread
    # The first and last registration months are left out: their registrations bunch at one
    # end of the month, so spreading them evenly misstates the identifier-days.
    active = reg > 0
    month = np.arange(log.months)[None, :]
    first = np.where(active.any(axis=1), np.argmax(active, axis=1), -1)[:, None]
    last = np.where(active.any(axis=1), log.months - 1 - np.argmax(active[:, ::-1], axis=1), -1)[
        :, None
    ]
    keep = (month != first) & (month != last)
    cases = np.where(keep, log.cases[firms], 0).astype(np.float64)
    return cases, np.where(keep, on_days, 0.0), np.where(keep, identifier_days, 0.0)


def fit_two_rates(
    cases: FloatArray, on_days: FloatArray, identifier_days: FloatArray
) -> tuple[Estimate, Estimate]:
    """MLE of (rate per day, per identifier per day) with Wald CIs on their logs."""
    y, d, i = cases.ravel(), on_days.ravel(), identifier_days.ravel()
    keep = (d > 0) | (i > 0)
    y, d, i = y[keep], d[keep], i[keep]

    def negative(x: FloatArray) -> float:
        mean = math.exp(x[0]) * d + math.exp(x[1]) * i
        with np.errstate(divide="ignore"):
            value = float(np.sum(np.where(y > 0, y * np.log(mean), 0.0) - mean))
        return -value if math.isfinite(value) else math.inf

    total = max(float(y.sum()), 1.0)
    start = np.array([math.log(total / 2 / d.sum()), math.log(total / 2 / max(i.sum(), 1.0))])
    found = optimize.minimize(negative, start, method="Nelder-Mead", options={"xatol": 1e-8})
    x = np.asarray(found.x, dtype=np.float64)
    se = standard_errors(negative, x)
    return Estimate(math.exp(x[0]), float(se[0])), Estimate(math.exp(x[1]), float(se[1]))
