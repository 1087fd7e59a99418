"""``simdata fit``: turn a planner's logs into scenario inputs (issue 18).

Kinds: ``requests`` (:func:`fit_requests`) and ``node`` (:func:`fit_node`); the columns
are documented in docs/fit.md and printed by ``simdata fit --template KIND``.
"""

from simdata.experiments.fit.enterprises_fit import EnterprisesFit, fit_enterprises
from simdata.experiments.fit.enterprises_log import TEMPLATE as ENTERPRISES_TEMPLATE
from simdata.experiments.fit.node_fit import NodeFit, fit_node
from simdata.experiments.fit.node_log import TEMPLATE as NODE_TEMPLATE
from simdata.experiments.fit.reading import LogError, read_log
from simdata.experiments.fit.requests_fit import RequestsFit, fit_requests
from simdata.experiments.fit.requests_log import TEMPLATE as REQUESTS_TEMPLATE

#: Kinds of log ``simdata fit --as`` reads, with their template CSV.
TEMPLATES = {
    "requests": REQUESTS_TEMPLATE,
    "node": NODE_TEMPLATE,
    "enterprises": ENTERPRISES_TEMPLATE,
}

__all__ = [
    "TEMPLATES",
    "EnterprisesFit",
    "LogError",
    "NodeFit",
    "RequestsFit",
    "fit_enterprises",
    "fit_node",
    "fit_requests",
    "read_log",
]
