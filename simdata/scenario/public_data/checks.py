"""Checks of the public-data sections against the rest of the scenario."""

from __future__ import annotations

import datetime as dt

from simdata.scenario.public_data.catalogue import CatalogueSpec
from simdata.scenario.public_data.policy import PolicySpec
from simdata.scenario.public_data.requesters import RequestersSpec


def check_requesters(
    requesters: RequestersSpec,
    catalogue: CatalogueSpec | None,
    policy: PolicySpec | None,
    start_date: dt.date | None,
) -> None:
    """Requesters need a start date and a catalogue, and name only its departments."""
    if start_date is None:
        raise ValueError(
            "run.start_date: expected a start date for the public-data model (requesters), got none"
        )
    if catalogue is None:
        raise ValueError(
            "catalogue: expected a catalogue section for requesters to ask for, got none"
        )
    known = catalogue.department_table().names
    for field, names in (
        ("policy.reviewers", (policy.reviewers if policy else {})),
        ("requesters.initial_backlog", requesters.initial_backlog),
    ):
        for name in names:
            if name not in known:
                raise ValueError(
                    f"{field}.{name}: expected a department of the catalogue "
                    f"({known[0]} … {known[-1]}), got {name!r}"
                )
