"""A run: replications of one scenario → KPI table, summary with CIs, verdicts, files.

``run`` is the Python face of ``simdata run``: it hands the replication indices to an
executor (serial unless told otherwise), summarises every KPI over replications, judges the
targets, checks the warm-up with MSER-5, and — only when ``out`` is given — writes the run
directory. With a :class:`~simdata.experiments.until_decided.StoppingRule`
(``--until-decided``) the replications come in batches until the targets are decided.

- :mod:`~simdata.experiments.run.loop`: the replication loop, parts and :func:`run`;
- :mod:`~simdata.experiments.run.resume`: ``--resume`` and its checks;
- :mod:`~simdata.experiments.run.record`: the manifest as the run goes;
- :mod:`~simdata.experiments.run.tables`: the tables written and their schemas;
- :mod:`~simdata.experiments.run.diagnostics`: warnings, warm-up check, sampling plan;
- :mod:`~simdata.experiments.run.summary_md`: ``summary.md``;
- :mod:`~simdata.experiments.run.result`: :class:`RunResult`.
"""

from simdata.experiments.run.loop import Planned, Progress, run
from simdata.experiments.run.result import RunResult, with_run_settings
from simdata.experiments.run.resume import resumable, resume

__all__ = ["Planned", "Progress", "RunResult", "resumable", "resume", "run", "with_run_settings"]
