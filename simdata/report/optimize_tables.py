"""The tables of the ``simdata optimize`` page: the chosen plan with its guarantee, the
targets at it, what one step cheaper would break, and every evaluated plan with each
target's margin. Each table is ``{title, header, rows, note}`` as the page template takes
it; every number goes through :func:`simdata.report.i18n.format_value` (元, 万, ms, %)."""

from __future__ import annotations

import math
from typing import Any

from simdata.report import i18n
from simdata.report.numbers import plain_number
from simdata.report.optimize_data import (
    Constraint,
    OptimizeData,
    money,
    plan_label,
    status_label,
    value_text,
)
from simdata.report.plots.common import kpi_unit


def guarantee_text(data: OptimizeData, lang: str) -> str:
    """The sentence the result stands on: plan.json's in English, the same in Chinese."""
    plan, chosen = data.plan or {}, data.chosen
    objective = (plan.get("plan") or {}).get("objective")
    if plan.get("guarantee") and (lang == "en" or objective is not None):
        return str(plan["guarantee"])  # a KPI objective's sentence (KN) is plan.json's
    if chosen is None:
        return i18n.text("opt.none", lang)
    confidence = float((plan.get("budget") or {}).get("confidence") or 0.95)
    cheaper = [
        row
        for row in data.rows
        if float(row["cost"]) < float(chosen["cost"]) and row.get("status") == "undecided"
    ]
    except_ = (
        i18n.text(
            "opt.guarantee.except",
            lang,
            count=len(cheaper),
            plans=("；" if lang == "zh" else "; ").join(
                plan_label(row, data.levers) for row in cheaper
            ),
        )
        if cheaper
        else ""
    )
    within = i18n.text("opt.guarantee.within", lang) if chosen.get("status") == "tie" else ""
    return i18n.text(
        "opt.guarantee",
        lang,
        level=f"{confidence * 100:g}{' ' if lang == 'en' else ''}%",
        plan=plan_label(chosen, data.levers),
        within=within,
        except_=except_,
    )


def chosen_table(data: OptimizeData, lang: str) -> dict[str, Any]:
    """The chosen plan lever by lever with its cost, the guarantee as the note."""
    plan, chosen = data.plan or {}, data.chosen
    rows: list[list[str]] = []
    if chosen is not None:
        for lever in data.levers:
            value = float(chosen.get(lever.name) or 0.0)
            rows.append(
                [
                    lever.name,
                    plain_number(value, lang),
                    money(lever.cost, lang),
                    money(value * lever.cost, lang),
                ]
            )
        rows.append([i18n.text("opt.total", lang), "", "", money(float(chosen["cost"]), lang)])
    spent = i18n.text(
        "opt.spent",
        lang,
        plans=plan.get("plans_evaluated", len(data.rows)),
        replications=plan.get("replications_spent", sum(int(r["replications"]) for r in data.rows)),
        confidence=f"{float((plan.get('budget') or {}).get('confidence') or 0.95) * 100:g}%",
    )
    return {
        "title": i18n.text("opt.chosen", lang),
        "header": [
            i18n.text(f"opt.col.{key}", lang) for key in ("lever", "value", "unit_cost", "cost")
        ],
        "rows": rows,
        "note": f"{guarantee_text(data, lang)}。{spent}"
        if lang == "zh"
        else f"{guarantee_text(data, lang)}. {spent}",
    }


def _share_text(share: dict[str, Any], unit: str | None, lang: str) -> str:
    return i18n.text(
        "opt.share",
        lang,
        share=i18n.format_value(share.get("estimate"), "fraction", lang),
        threshold=i18n.format_value(share.get("threshold"), unit, lang),
        op={">=": "≥", "<=": "≤"}.get(str(share.get("op")), str(share.get("op"))),
        required=i18n.format_value(share.get("required"), "fraction", lang),
    )


def targets_table(data: OptimizeData, lang: str) -> dict[str, Any]:
    """Each constraint at the chosen plan: estimate, CI, verdict (and a quantile's share)."""
    by_kpi = {c.kpi: c for c in data.constraints}
    targets = [t for t in ((data.plan or {}).get("targets") or []) if isinstance(t, dict)]
    rows, level, shared = [], None, False
    for target in targets:
        kpi = str(target.get("kpi"))
        unit = kpi_unit(kpi)
        constraint = by_kpi.get(kpi)
        label = constraint.label(lang) if constraint else f"{kpi} {target.get('target')}"
        low = i18n.format_value(target.get("ci_low"), unit, lang)
        high = i18n.format_value(target.get("ci_high"), unit, lang)
        verdict = i18n.verdict_label(str(target.get("verdict")), lang)
        if target.get("verdict") == "tie":
            verdict = status_label("tie", lang)
        if isinstance(target.get("share"), dict):
            verdict += f" — {_share_text(target['share'], unit, lang)}"
            shared = True
        rows.append(
            [
                label,
                i18n.format_value(target.get("estimate"), unit, lang),
                f"[{low}, {high}]",
                verdict,
                str(target.get("tolerance") or ""),
            ]
        )
        level = target.get("ci_level", level)
    level_text = i18n.format_value(level, "fraction", lang) if level is not None else "—"
    note = i18n.text(
        "opt.targets.note",
        lang,
        level=level_text,
        share=i18n.text("opt.share_note", lang) if shared else "",
    )
    keys = ("constraint", "estimate", "ci", "verdict", "tolerance")
    return {
        "title": i18n.text("opt.targets", lang),
        "header": [i18n.text(f"opt.col.{key}", lang) for key in keys],
        "rows": rows,
        "note": note.strip(),
    }


def _why(row: dict[str, Any], constraints: list[Constraint], lang: str) -> str:
    """The constraints ``row`` fails (else those left open), with estimate and CI."""
    failed = [c for c in constraints if row.get(c.column) == "fail"]
    key = "opt.fails" if failed else "opt.open"
    chosen = failed or [c for c in constraints if row.get(c.column) == "undecided"]
    parts = []
    for constraint in chosen:
        estimate, ci = value_text(constraint, row, lang)
        parts.append(
            i18n.text(key, lang, constraint=constraint.label(lang), estimate=estimate, ci=ci)
        )
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def cheaper_table(data: OptimizeData, lang: str) -> dict[str, Any]:
    """For each lever, the chosen plan one step lower on it and what it fails."""
    chosen = data.chosen
    assert chosen is not None
    rows = []
    for lever in data.levers:
        below = lever.below(float(chosen[lever.name]))
        if below is None:
            rows.append([lever.name, "—", "—", "—", i18n.text("opt.lowest", lang)])
            continue
        values = {other.name: float(chosen[other.name]) for other in data.levers}
        values[lever.name] = below
        cost = sum(values[other.name] * other.cost for other in data.levers)
        found = next((r for r in data.rows if _same(r, values)), None)
        if found is not None:
            status, why = (
                status_label(found.get("status"), lang),
                _why(found, data.constraints, lang),
            )
        else:
            status, why = _implied(data, values, lang)
        rows.append([lever.name, plan_label(values, data.levers), money(cost, lang), status, why])
    keys = ("lever", "plan", "cost", "status", "breaks")
    return {
        "title": i18n.text("opt.cheaper", lang),
        "header": [i18n.text(f"opt.col.{key}", lang) for key in keys],
        "rows": rows,
        "note": i18n.text("opt.cheaper.note", lang),
    }


def _same(row: dict[str, Any], values: dict[str, float]) -> bool:
    return all(
        row.get(name) is not None and abs(float(row[name]) - value) < 1e-9
        for name, value in values.items()
    )


def _implied(data: OptimizeData, values: dict[str, float], lang: str) -> tuple[str, str]:
    """A plan the search skipped: infeasible by monotonicity when an evaluated infeasible
    plan has at least as much of every lever."""
    for row in data.rows:
        if row.get("status") == "infeasible" and all(
            row.get(name) is not None and float(row[name]) >= value - 1e-9
            for name, value in values.items()
        ):
            why = _why(row, data.constraints, lang)
            number = int(row["plan"]) + 1
            text = i18n.text(
                "opt.implied", lang, plan=f"#{number} ({plan_label(row, data.levers)})", why=why
            )
            return status_label("infeasible", lang), text
    return i18n.text("opt.unknown", lang), ""


def _margin_text(constraint: Constraint, row: dict[str, Any], lang: str) -> str:
    unit = kpi_unit(constraint.kpi)
    kpi = constraint.kpi
    margin = constraint.margin(row.get(kpi))
    if math.isnan(margin):
        return "—"
    ends = sorted(constraint.margin(row.get(f"{kpi} {end}")) for end in ("ci_low", "ci_high"))
    shown = [i18n.format_value(v, unit, lang) for v in ends]
    return f"{i18n.format_value(margin, unit, lang)} [{shown[0]}, {shown[1]}]"


def plans_table(data: OptimizeData, lang: str) -> dict[str, Any]:
    """Every evaluated plan in order: levers, cost, replications, status, each margin."""
    rows = []
    for row in data.rows:
        marks = ("★ " if row.get("chosen") else "") + ("◆ " if row.get("frontier") else "")
        cells = [f"#{int(row['plan']) + 1}"]
        cells += [plain_number(float(row[lever.name]), lang) for lever in data.levers]
        cells += [
            money(float(row["cost"]), lang),
            plain_number(float(row["replications"]), lang),
            marks + status_label(row.get("status"), lang),
        ]
        cells += [_margin_text(c, row, lang) for c in data.constraints]
        rows.append(cells)
    header = [i18n.text("opt.col.plan", lang), *(lever.name for lever in data.levers)]
    header += [i18n.text(f"opt.col.{key}", lang) for key in ("cost", "replications", "status")]
    header += [
        i18n.text("opt.col.margin", lang, constraint=c.label(lang)) for c in data.constraints
    ]
    return {
        "title": i18n.text("opt.plans", lang),
        "header": header,
        "rows": rows,
        "note": i18n.text("opt.plans.note", lang),
    }
