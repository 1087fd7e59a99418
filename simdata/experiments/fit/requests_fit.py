"""``simdata fit DATA --as requests``: a requests log → fitted scenario fields.

Fields filled (one each): ``requesters.groups[kind].rate`` from ``arrival`` and
``requester_kind``; ``policy.review_effort`` from ``review_start``/``review_end`` (review
time, not time since arrival: waiting for a reviewer is the model's output, not an input);
``policy.reject_probability`` and ``policy.auto_approval_share`` from ``decision``.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simdata.experiments.fit.censored import fit_families
from simdata.experiments.fit.counts import log_workdays, rate_per_workday, wilson, workday_index
from simdata.experiments.fit.day_counts import day_types, hour_profile
from simdata.experiments.fit.reading import read_log
from simdata.experiments.fit.requests_log import RequestsLog, parse_requests
from simdata.experiments.fit.scenario_out import Fitted, scenario_text, summary
from simdata.model.calendar import WorkCalendar
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.loader import load_scenario
from simdata.scenario.models import Scenario
from simdata.scenario.units import HOUR_S

#: Fewest ended reviews for a service-time fit.
MIN_REVIEWS = 10


@dataclass(frozen=True)
class RequestsFit:
    """The fit's findings and the scenario text that carries them."""

    fitted: Fitted
    text: str
    #: Rates and the AIC ranking with goodness-of-fit p-values, as ``simdata fit`` prints it.
    summary: str = ""


def _rates(log: RequestsLog, calendar: WorkCalendar, fitted: Fitted) -> None:
    index, workdays = workday_index(calendar, log.arrival_s)
    if workdays < 2:
        fitted.notes.append("arrival rates not fitted: the log covers fewer than 2 workdays")
        return
    kinds = np.array(log.kind)
    types = day_types(calendar, log_workdays(calendar))
    for kind in sorted(set(log.kind)):
        mine = kinds == kind
        hours = hour_profile(calendar, log.arrival_s[mine])
        fitted.rates.append(rate_per_workday(kind, index[mine], workdays, types, hours))
    if log.channel is not None:
        for kind in set(log.kind):
            counts = Counter(
                c for k, c in zip(log.kind, log.channel, strict=True) if k == kind and c
            )
            total = sum(counts.values())
            if total:
                fitted.channel_mix[kind] = {c: n / total for c, n in sorted(counts.items())}


def _review(log: RequestsLog, calendar: WorkCalendar, fitted: Fitted) -> None:
    if log.review_start_s is None or log.review_end_s is None:
        return
    start, end = log.review_start_s, log.review_end_s
    ended = np.isfinite(start) & np.isfinite(end)
    still = np.isfinite(start) & ~np.isfinite(end)
    done = calendar.work_between(start[ended], end[ended]) / HOUR_S
    open_ = calendar.work_between(start[still], np.full(int(still.sum()), log.end_s)) / HOUR_S
    zero = int(np.sum(done <= 0))
    done, open_ = done[done > 0], open_[open_ > 0]
    if zero:
        fitted.notes.append(f"{zero} reviews took no office time (outside office hours): left out")
    if done.size < MIN_REVIEWS:
        fitted.notes.append(
            f"review_effort not fitted: expected at least {MIN_REVIEWS} ended reviews, "
            f"got {done.size}"
        )
        return
    fitted.review = fit_families(done, open_)
    fitted.review_n = (int(done.size), int(open_.size))


def _shares(log: RequestsLog, fitted: Fitted) -> None:
    if log.decision is None:
        return
    counts = Counter(log.decision)
    reviewed = counts["approved"] + counts["rejected"]
    if reviewed:
        fitted.reject = wilson(counts["rejected"], reviewed)
    pending = 0
    if log.review_start_s is not None:
        no_decision = np.array([d is None for d in log.decision])
        pending = int(np.sum(no_decision & np.isfinite(log.review_start_s)))
    conditional = reviewed + counts["auto_approved"] + pending
    if conditional:
        fitted.auto = wilson(counts["auto_approved"], conditional)


def _base(base: Path | None) -> tuple[Scenario | None, list[dict[str, Any]]]:
    if base is None:
        return None, []
    scenario = load_scenario(base)
    groups = scenario.requesters.groups if scenario.requesters is not None else []
    return scenario, [g.model_dump(mode="json", exclude_unset=True) for g in groups]


def fit_requests(
    data: Path, base: Path | None = None, renames: Mapping[str, str] = {}, out: Path | None = None
) -> RequestsFit:
    """Fit a requests log; the scenario text ``extends`` ``base`` (relative to ``out``)."""
    log = parse_requests(read_log(data, renames), str(data))
    scenario, base_groups = _base(base)
    spec = (scenario.calendar if scenario is not None else None) or CalendarSpec()
    calendar = WorkCalendar(spec, log.start_date, 0.0, log.end_s)
    fitted = Fitted(data.name, hashlib.sha256(data.read_bytes()).hexdigest())
    fitted.notes += calendar.warnings
    if scenario is not None and scenario.policy is not None:
        keys = scenario.policy.review_effort.model_dump(mode="json", by_alias=True)
        fitted.base_review_keys = tuple(key for key in keys if key != "dist")
    _rates(log, calendar, fitted)
    _review(log, calendar, fitted)
    _shares(log, fitted)
    extends = None
    if base is not None:
        where = (out or Path("fitted.yaml")).resolve().parent
        extends = Path(os.path.relpath(base.resolve(), where)).as_posix()
    name = f"{scenario.name}-fitted" if scenario is not None else f"{data.stem}-fitted"
    text = scenario_text(fitted, extends, base_groups, name)
    return RequestsFit(fitted, text, summary(fitted))
