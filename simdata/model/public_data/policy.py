"""The sharing and opening policy: how each requested dataset is granted or refused.

Per dataset of a request, by channel and class (DOMAIN.md §5 processes 2–4):

* **sharing** (government bodies): unconditional → delivered through the platform;
  conditional → the data authority's compliance check, then (unless auto-approved) review
  by the owning department's reviewers (a SimPy resource per department, office hours
  only), a sign-off wait that holds no reviewer, and refusal with some probability; not
  shared → refused, or redirected to the development agency when the policy allows.
* **opening** (society): ordinary-open datasets are delivered at once; on-application
  opening follows the conditional path; not-open datasets are refused or redirected.
* **development**: the whole request goes to the agency (:mod:`simdata.model.public_data.agency`).

A request ends delivered when all its datasets are, rejected when any is finally refused
(unless ``partial_delivery``), or abandoned when its requester's patience runs out first.
While a defect of a dataset is open it is delivered stale or refused (catalogue setting).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import polars as pl
import simpy

from simdata.engine.recorder import ColumnTable, Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.component import World
from simdata.model.frames import DATA_REQUESTS, DEPARTMENTS, REVIEWS
from simdata.model.public_data.agency import DELIVERED, REFUSED, Agency, AgencyComponent
from simdata.model.public_data.catalogue import Catalogue, CatalogueComponent
from simdata.model.public_data.requesters import CHANNELS, RequestersComponent, Requests
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import CatalogueSpec, PolicySpec

COMPONENT = "policy"
OPEN, ABANDONED = 0, 3
_SHARING, _OPENING, _DEVELOPMENT = (CHANNELS.index(c) for c in CHANNELS)

REQUEST_SCHEMA: dict[str, type[np.generic]] = {
    "arrival_s": np.float64,
    "end_s": np.float64,
    "outcome": np.int8,
    "reused": np.bool_,
    "stale": np.bool_,
}
REVIEW_SCHEMA: dict[str, type[np.generic]] = {
    "department": np.int64,
    "queued_s": np.float64,
    "start_s": np.float64,
    "end_s": np.float64,
    "request": np.int64,
    "decision": np.int8,
}
#: ``reviews.decision`` codes: none yet, granted or refused after review, auto-approved
#: (a row without review, which the departments' busy and waiting time leave out).
PENDING, APPROVED, REJECTED, AUTO_APPROVED = 0, 1, 2, 3


class SharingDesk:
    """Runs every request through the policy; reviewers are resources per department."""

    def __init__(
        self,
        env: simpy.Environment,
        policy: PolicySpec,
        catalogue_spec: CatalogueSpec,
        catalogue: Catalogue,
        requests: Requests,
        calendar: WorkCalendar,
        streams: Streams,
        recorder: Recorder,
        agency: Agency,
    ) -> None:
        self.env = env
        self.policy = policy
        self.refuse_defective = catalogue_spec.while_defective == "refuse"
        self.catalogue = catalogue
        self.requests = requests
        self.calendar = calendar
        self.agency = agency
        listed = catalogue_spec.department_table().reviewers
        staff = [
            policy.reviewers.get(name, own or policy.reviewers_per_department)
            for name, own in zip(catalogue.departments, listed, strict=True)
        ]
        self.reviewer_counts = np.array(staff, dtype=np.int64)
        self.reviewers = [simpy.Resource(env, n) for n in staff]
        items = len(requests.item_dataset)
        draw = streams.generator
        self.compliance = policy.compliance_check.sample(draw(COMPONENT, "compliance"), items)
        self.auto_u = draw(COMPONENT, "auto").random(items)
        self.effort = policy.review_effort.sample(draw(COMPONENT, "effort"), items)
        self.signoff = policy.signoff_wait.sample(draw(COMPONENT, "signoff"), items)
        self.reject_u = draw(COMPONENT, "reject").random(items)
        self.platform = policy.platform_time.sample(draw(COMPONENT, "platform"), items)
        self.table: ColumnTable = recorder.table(DATA_REQUESTS, REQUEST_SCHEMA, requests.count)
        self.table.reserve(requests.count)
        # The table's columns are at least 16 long: fill only the requests' rows.
        self.table.columns["arrival_s"][: requests.count] = requests.arrival_s
        self.reviews = recorder.table(REVIEWS, REVIEW_SCHEMA)

    def start(self) -> None:
        """Schedule every request's arrival."""
        for index, when in enumerate(self.requests.arrival_s):
            event = self.env.timeout(when - self.env.now, index)
            event.callbacks.append(self._arrive)

    def _arrive(self, event: simpy.Event) -> None:
        r = int(event.value)  # type: ignore[arg-type]
        # The clock reaches a drawn time t as start + (t − start), which can differ from t
        # in the last bit; record the arrival as the clock has it, so end − arrival ≥ 0.
        self.table.columns["arrival_s"][r] = self.env.now
        self.env.process(self._request(r))

    def _request(self, r: int) -> Generator[simpy.Event, Any, None]:
        env, requests = self.env, self.requests
        work: simpy.Event
        if requests.channel[r] == _DEVELOPMENT:
            work = env.process(self.agency.serve(r))
        else:
            first, last = requests.first_item[r], requests.first_item[r + 1]
            items = [env.process(self._item(r, i)) for i in range(first, last)]
            work = env.all_of(items)
        patience = requests.patience_s[r]
        if np.isfinite(patience):
            yield work | env.timeout(patience)
        else:
            yield work
        columns = self.table.columns
        columns["end_s"][r] = env.now
        if not work.triggered:
            columns["outcome"][r] = ABANDONED
            return
        if requests.channel[r] == _DEVELOPMENT:
            outcome, reused = work.value  # type: ignore[misc]
            columns["reused"][r] = reused
            columns["outcome"][r] = outcome
            return
        results: list[tuple[int, bool]] = list(work.value.values())  # type: ignore[union-attr]
        codes = [code for code, _ in results]
        whole = all(code == DELIVERED for code in codes)
        partial = self.policy.partial_delivery and DELIVERED in codes
        columns["outcome"][r] = DELIVERED if whole or partial else REFUSED
        # Stale: a delivered request got some dataset while a defect of it was open.
        columns["stale"][r] = (whole or partial) and any(stale for _, stale in results)

    def _item(self, r: int, i: int) -> Generator[simpy.Event, Any, tuple[int, bool]]:
        """One dataset of request r: granted through the platform, reviewed, or refused."""
        dataset = self.requests.item_dataset[i]
        channel = self.requests.channel[r]
        if channel == _SHARING:
            klass = ("open", "review", "closed")[self.catalogue.sharing[dataset]]
        else:
            klass = ("closed", "open", "review")[self.catalogue.opening[dataset]]
        if klass == "closed":
            if self.policy.not_shared == "reject":
                return REFUSED, False
            code, _ = yield self.env.process(self.agency.serve(self.requests.count + i))
            return code, False
        if klass == "review":
            granted = yield self.env.process(self._review(r, i, dataset))
            if not granted:
                return REFUSED, False
        yield self.env.timeout(self.platform[i])
        if self.catalogue.defective(int(dataset), self.env.now):
            return (REFUSED, False) if self.refuse_defective else (DELIVERED, True)
        return DELIVERED, False

    def _review(self, r: int, i: int, dataset: int) -> Generator[simpy.Event, Any, bool]:
        """Compliance check, then (unless auto-approved) departmental review and sign-off.

        Each dataset's review is a row of ``reviews`` with its request and decision, so a
        run's request log can be exported (``simdata export --logs``).
        """
        env, calendar = self.env, self.calendar
        yield env.timeout(max(0.0, calendar.add_work(env.now, self.compliance[i]) - env.now))
        department = int(self.catalogue.owner[dataset])
        row = self.reviews.reserve(1)
        self.reviews.columns["department"][row] = department
        self.reviews.columns["queued_s"][row] = env.now
        self.reviews.columns["request"][row] = r
        if self.auto_u[i] < self.policy.auto_approval_share:
            self.reviews.columns["decision"][row] = AUTO_APPROVED
            return True
        with self.reviewers[department].request() as reviewer:
            yield reviewer
            self.reviews.columns["start_s"][row] = calendar.next_open(env.now)
            yield env.timeout(max(0.0, calendar.add_work(env.now, self.effort[i]) - env.now))
            self.reviews.columns["end_s"][row] = env.now
        yield env.timeout(max(0.0, calendar.add_work(env.now, self.signoff[i]) - env.now))
        granted = bool(self.reject_u[i] >= self.policy.reject_probability)
        self.reviews.columns["decision"][row] = APPROVED if granted else REJECTED
        return granted


class PolicyComponent:
    """The sharing policy in the world: the desk that runs every request through review,
    auto-approval, sign-off and the agency; after the run, reviewer staff, busy working
    time and waiting per owning department."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.requesters is not None and scenario.catalogue is not None

    def __init__(self, world: World) -> None:
        catalogue = world.get(CatalogueComponent)
        requesters = world.get(RequestersComponent)
        agency = world.get(AgencyComponent)
        if catalogue is None or requesters is None or agency is None:
            raise ValueError("the sharing policy needs the catalogue, requesters and agency")
        self.world = world
        self.policy = world.scenario.policy or PolicySpec()
        self.catalogue = catalogue.catalogue
        self.desk = SharingDesk(
            world.env, self.policy, catalogue.spec, catalogue.catalogue, requesters.requests,
            world.calendar, world.streams, world.recorder, agency.agency,
        )  # fmt: skip

    def start(self) -> None:
        self.desk.start()

    def finish(self) -> None:
        run = self.world.scenario.run
        start, end = run.measure_start_s, run.horizon
        reviews = self.desk.reviews.frame().filter(pl.col("decision") != AUTO_APPROVED)
        calendar = self.world.calendar
        busy = np.zeros(len(self.catalogue.departments))
        waiting = np.zeros(len(self.catalogue.departments))
        if reviews.height:
            dept = reviews["department"].to_numpy()
            queued, begun, finished = (
                reviews[c].to_numpy() for c in ("queued_s", "start_s", "end_s")
            )
            finished = np.where(np.isnan(finished), end, finished)
            begun = np.where(np.isnan(begun), end, begun)
            lo, hi = np.clip(begun, start, end), np.clip(finished, start, end)
            np.add.at(busy, dept, calendar.work_between(lo, np.maximum(hi, lo)))
            wait = np.clip(np.minimum(begun, end) - np.maximum(queued, start), 0.0, None)
            np.add.at(waiting, dept, wait)
        self.world.recorder.put(
            DEPARTMENTS,
            pl.DataFrame(
                {
                    "department": self.catalogue.departments,
                    "reviewers": self.desk.reviewer_counts,
                    "busy_work_s": busy,
                    "waiting_s": waiting,
                }
            ),
        )
        self.world.constants["sla_s"] = self.policy.sla
        self.world.constants["extension_s"] = self.policy.extension
