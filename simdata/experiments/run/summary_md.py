"""``summary.md``: the run's summary model as the Markdown page a planner reads first.

It renders :class:`~simdata.analysis.summary.RunSummary`, the model the terminal table and
the HTML report render too. It sits with the run directory's writer (the run writes it
before its manifest), left of the report layer that the run may not import.
"""

from __future__ import annotations

from simdata.analysis.summary import RunSummary, SummaryRow


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


#: Units shown in words a planner reads (the registry's code otherwise): money is 元.
_UNIT_SHOWN = {"yuan": "元"}


def _unit(unit: str | None) -> str:
    return _UNIT_SHOWN.get(unit or "", unit or "")


def _ci(row: SummaryRow) -> str:
    if row.ci_low is None:
        return "—"
    return f"[{row.ci_low:.6g}, {_cell(row.ci_high)}]{row.level_note}"


def summary_markdown(summary: RunSummary) -> str:
    """``summary.md``: heading, the KPI table, then warnings, looks and failures if any."""
    lines = [
        f"# {summary.title}",
        "",
        summary.description,
        "",
        f"Replications: {summary.replications} · root seed: {summary.root_seed} · "
        "95% CIs over replications (skewness-corrected t; quantiles pooled, sectioning).",
        "",
        "| KPI | unit | mean | 95% CI | n | target | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{row.kpi}` | {_unit(row.unit)} | {_cell(row.mean)} | {_ci(row)} | {row.n} | "
        f"{row.target or ''} | {row.verdict_text} |"
        for row in summary.rows
    ]
    if summary.busiest_department is not None:
        lines += ["", summary.busiest_department.line()]
    if summary.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in summary.warnings]
    if summary.looks:
        lines += ["", "## Replications until decided", ""] + [
            f"- n = {one.n} (CIs at {one.confidence:.2%}): {one.reason}"
            + (f"; open: {', '.join(one.open)}" if one.open else "")
            for one in summary.looks
        ]
    if summary.failures:
        lines += ["", "## Failed replications", ""] + [
            f"- replication {f.replication} (root seed {f.root_seed}): {f.error}"
            for f in summary.failures
        ]
    return "\n".join(lines) + "\n"
