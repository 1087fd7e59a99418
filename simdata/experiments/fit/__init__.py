"""``simdata fit``: turn a planner's logs into scenario inputs (issue 18).

Step 1 covers the ``requests`` kind (:func:`fit_requests`); the columns are documented in
docs/fit.md and printed by ``simdata fit --template requests``.
"""

from simdata.experiments.fit.reading import LogError, read_log
from simdata.experiments.fit.requests_fit import RequestsFit, fit_requests
from simdata.experiments.fit.requests_log import TEMPLATE as REQUESTS_TEMPLATE

#: Kinds of log ``simdata fit --as`` reads, with their template CSV.
TEMPLATES = {"requests": REQUESTS_TEMPLATE}

__all__ = ["TEMPLATES", "LogError", "RequestsFit", "fit_requests", "read_log"]
