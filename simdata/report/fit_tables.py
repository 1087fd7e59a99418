"""The fit page's content, read off a fit result: fitted values, ranked families, shares.

A fit result is walked, not special-cased field by field: every :class:`FamilyFit` list (or
object holding one as ``families``) is a fitted duration with a ranking table; every
:class:`ShareFit` a share with its Wilson CI; every :class:`RateFit` an arrival rate; a
traffic profile its three fields; any other dataclass holding an estimate beside a ``…ci``
pair a value row; ranked fits whose parameters carry their own CIs (``--as enterprises``)
go through :mod:`simdata.report.fit_ranked`. New kinds and new result fields (GoF p-values)
thus show on the page; the known fields are mapped to the scenario fields they fill
(:data:`FIELDS`). Every value is written as the planner writes it
in a scenario (``6.2 h``, ``30/workday``, ``20%``, 万 in Chinese), with its n.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from simdata.experiments.fit.censored import FamilyFit
from simdata.experiments.fit.counts import RateFit, ShareFit
from simdata.experiments.fit.traffic_fit import TrafficFit
from simdata.report import i18n
from simdata.report.fit_ranked import as_family_fits, estimate_row, is_ranked, suffix
from simdata.report.numbers import plain_number

#: Result attributes → the scenario field each fills (the rest show by attribute name).
FIELDS = {
    "review": "policy.review_effort",
    "reject": "policy.reject_probability",
    "auto": "policy.auto_approval_share",
    "hit_ratio": "resolution.cache.hit_ratio",
    "hit_time": "resolution.cache.hit_time",
    "service": "resolution.service_time",
    "adoption": "enterprises.adoption",
    "cases": "enterprises.cases.rate",
}
#: Result attributes holding ``{name: ranked fits}``: the section their names sit in.
DICT_PREFIX = {"dists": "enterprises."}
#: The unit each fitted duration is fitted and written in.
DURATION_UNITS = {"policy.review_effort": "h", "resolution.cache.hit_time": "ms"}
DURATION_UNITS["resolution.service_time"] = "ms"
#: FamilyFit's own fields; any other (a GoF p-value) becomes a column of the ranking table.
FAMILY_CORE = ("family", "params", "ci", "loglik", "aic")
#: Known attributes that are bookkeeping, not fitted values.
SKIPPED: tuple[str, ...] = ("source", "sha256", "notes", "review_n", "channel_mix")
SKIPPED += (
    "base_review_keys",
    "base_keys",
    "service_from",
    "text",
    "log",
    "samples",
    "cases_n",
    "gof",
)


@dataclass
class Duration:
    """A fitted duration: its field, unit, ranked families, sample sizes, extra fields."""

    field: str
    unit: str
    families: list[FamilyFit]
    n: int | None = None
    censored: int | None = None
    #: What n counts, as the fit wrote it (instead of n and censored).
    n_text: str = ""
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: ``(done, censored)`` when the result carries its sample (a kind the page does not
    #: read logs for): the page draws it.
    sample: tuple[Any, Any] | None = None


@dataclass
class Content:
    """What the page shows, in the result's order."""

    values: list[list[str]] = dataclasses.field(default_factory=list)
    durations: list[Duration] = dataclasses.field(default_factory=list)
    shares: list[list[str]] = dataclasses.field(default_factory=list)


def unit_text(unit: str, lang: str) -> str:
    """The word after a number: ``h``/``小时``, ``ms``/``毫秒`` (others as given)."""
    words = {"h": {"en": " h", "zh": " 小时"}, "ms": {"en": " ms", "zh": " 毫秒"}}
    return words[unit][lang] if unit in words else (f" {unit}" if unit else "")


#: A number in exponent form inside a fit's own text (``1.271e+09``), not inside a word.
_EXPONENT = re.compile(r"(?<![0-9A-Za-z.])\d+(?:\.\d+)?[eE][+-]?\d+(?![0-9A-Za-z])")


def plain_text(text: str, lang: str) -> str:
    """A fit's note or sample description with its numbers in exponent form written plainly."""
    return _EXPONENT.sub(lambda m: plain_number(float(m.group(0)), lang), text)


def number(value: float | None, lang: str) -> str:
    """A plain number (万 in Chinese, never an exponent); ``—`` when absent."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return plain_number(float(value), lang)


def param_text(name: str, value: float, unit: str, lang: str, field: str = "") -> str:
    """One parameter as a scenario writes it: a mean or median in the unit, a shape bare
    (a field's own units first: an adoption rate per month)."""
    shown = number(value, lang)
    own = suffix(field, name)
    if own is not None:
        return f"{shown}{own}"
    return f"{shown}{unit_text(unit, lang)}" if name in ("mean", "median") else shown


def _ci(low: float, high: float, fmt: Any) -> str:
    return f"[{fmt(low)}, {fmt(high)}]"


def _plain_ci(ci: Any, lang: str) -> str:
    """A CI of plain numbers, from any ``(low, high)`` pair."""
    low, high = ci
    return _ci(float(low), float(high), lambda v: number(v, lang))


def _family_params(fit: FamilyFit, unit: str, lang: str, field: str = "") -> str:
    return "; ".join(
        f"{name} {param_text(name, value, unit, lang, field)} "
        f"{_ci(*fit.ci[name], lambda v, n=name: param_text(n, v, unit, lang, field))}"
        for name, value in fit.params.items()
    )


def _extras(fit: object, core: tuple[str, ...]) -> dict[str, Any]:
    if not dataclasses.is_dataclass(fit):
        return {}
    return {
        f.name: getattr(fit, f.name)
        for f in dataclasses.fields(fit)
        if f.name not in core and not f.name.startswith("_")
    }


def extra_text(value: Any, lang: str) -> str:
    """A GoF p-value or other extra field as text (numbers plain, absent as ``—``)."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int | float):
        return number(float(value), lang)
    return str(value)


def extra_label(name: str, lang: str) -> str:
    """A column heading for an extra field: translated when known, else its name."""
    return label(f"fit.col.{name}", name, lang)


def _gof_cells(gof: Any, lang: str) -> list[str]:
    """A goodness-of-fit result's p-value and statistic (``—`` when the family has none)."""
    if gof is None:
        return ["—", "—"]
    return [
        number(getattr(gof, "p_value", None), lang),
        number(getattr(gof, "statistic", None), lang),
    ]


def _gof_note(families: list[FamilyFit], lang: str) -> str:
    """How the p-values were taken (test, rows tested, bootstrap replicates), once per table."""
    gof = next((g for fit in families if (g := getattr(fit, "gof", None)) is not None), None)
    if gof is None:
        return ""
    return i18n.text(
        "fit.gof.note",
        lang,
        method=getattr(gof, "method", ""),
        n=number(getattr(gof, "n", None), lang),
        censored=number(getattr(gof, "censored", None), lang),
        replicates=number(getattr(gof, "replicates", None), lang),
    )


def ranking_table(duration: Duration, lang: str) -> dict[str, Any]:
    """Families best first: parameters (95 % CIs), log-likelihood, AIC, ΔAIC, the GoF
    p-value and statistic when the fit has them, and any other extra field."""
    has_gof = any(getattr(fit, "gof", None) is not None for fit in duration.families)
    extras = sorted(
        {k for fit in duration.families for k in _extras(fit, FAMILY_CORE) if k != "gof"}
    )
    header = [i18n.text(f"fit.col.{c}", lang) for c in ("rank", "family", "params")]
    header += [i18n.text(f"fit.col.{c}", lang) for c in ("loglik", "aic", "delta_aic")]
    header += [i18n.text(f"fit.col.{c}", lang) for c in ("gof_p", "gof_stat")] if has_gof else []
    header += [extra_label(name, lang) for name in extras]
    best = duration.families[0].aic
    rows = []
    for rank, fit in enumerate(duration.families, start=1):
        found = _extras(fit, FAMILY_CORE)
        rows.append(
            [
                str(rank),
                label(f"fit.family.{fit.family}", fit.family, lang),
                _family_params(fit, duration.unit, lang, duration.field),
                plain_number(fit.loglik, lang, digits=6),
                plain_number(fit.aic, lang, digits=6),
                plain_number(round(fit.aic - best, 1), lang, digits=6),
                *(_gof_cells(getattr(fit, "gof", None), lang) if has_gof else []),
                *(extra_text(found.get(name), lang) for name in extras),
            ]
        )
    families = [fit.family for fit in duration.families]
    note = _gof_note(duration.families, lang)
    return {"header": header, "rows": rows, "families": families, "note": note}


def _rate_rows(fits: list[RateFit], lang: str) -> list[list[str]]:
    def per_workday(value: float) -> str:
        return f"{number(value, lang)}{i18n.text('fit.per_workday', lang)}"

    return [
        [
            f"requesters.groups[{fit.kind}].rate",
            per_workday(fit.per_workday),
            _ci(*fit.ci, per_workday),
            i18n.text("fit.n.rate", lang, n=number(fit.n, lang), days=fit.workdays),
            i18n.text("fit.how.rate", lang, dispersion=number(fit.dispersion, lang)),
        ]
        for fit in fits
    ]


def _traffic_rows(fit: TrafficFit, lang: str) -> list[list[str]]:
    def rate(value: float) -> str:
        return i18n.format_value(value, "1/s", lang)

    n = i18n.text("fit.n.days", lang, n=number(fit.n, lang), days=fit.days)
    rows = [["resolution.traffic.rate", rate(fit.rate_per_s), _ci(*fit.rate_ci, rate), n,
             i18n.text("fit.how.traffic_rate", lang)]]  # fmt: skip
    if fit.weekend_factor is not None and fit.weekend_ci is not None:
        rows.append(
            [
                "resolution.traffic.weekend_factor",
                number(fit.weekend_factor, lang),
                _ci(*fit.weekend_ci, lambda v: number(v, lang)),
                i18n.text("fit.n.weekend", lang, weekend=fit.weekend_days, weekdays=fit.weekdays),
                i18n.text("fit.how.weekend", lang),
            ]
        )
    half = number(100 * fit.hourly_halfwidth, lang)
    weights = ", ".join(number(round(w, 3), lang) for w in fit.hourly_weights)
    rows.append(["resolution.traffic.hourly_weights", f"[{weights}]", f"±{half}%", n,
                 i18n.text("fit.how.hourly", lang)])  # fmt: skip
    return rows


def _share_row(name: str, fit: ShareFit, lang: str) -> list[str]:
    def share(value: float) -> str:
        return i18n.format_value(value, "fraction", lang)

    n = i18n.text("fit.n.share", lang, hits=number(fit.hits, lang), n=number(fit.n, lang))
    return [name, share(fit.share), _ci(*fit.ci, share), n, i18n.text("fit.how.share", lang)]


def _duration_row(duration: Duration, lang: str) -> list[str]:
    best, field, unit = duration.families[0], duration.field, duration.unit
    head = "model" if field == "enterprises.adoption" else "dist"
    parts = [f"{head}: {best.family}"] + [
        f"{name}: {param_text(name, value, unit, lang, field)}"
        for name, value in best.params.items()
    ]
    cis = "; ".join(
        f"{name} {_ci(*ci, lambda v, n=name: param_text(n, v, unit, lang, field))}"
        for name, ci in best.ci.items()
    )
    total = (duration.n or 0) + (duration.censored or 0)
    n = duration.n_text or i18n.text(
        "fit.n.duration", lang, n=number(total, lang), censored=number(duration.censored or 0, lang)
    )
    return ["{" + ", ".join(parts) + "}", cis, n]


def _generic_rows(name: str, value: Any, lang: str) -> list[list[str]]:
    """Rows for a result object this module does not know: each estimate beside a ``…ci``."""
    if not dataclasses.is_dataclass(value):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [[name, number(float(value), lang), "—", "—", ""]]
        return []
    found = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    n = found.get("n")
    rows = []
    for key, ci in found.items():
        if not (key == "ci" or key.endswith("_ci")) or not isinstance(ci, tuple) or len(ci) != 2:
            continue
        stem = key.removesuffix("_ci").removesuffix("ci").rstrip("_")
        estimate = found.get(stem) if stem else next(
            (v for k, v in found.items() if isinstance(v, float) and k != "n"), None
        )  # fmt: skip
        label = f"{name}.{stem}" if stem else name
        rows.append([label, number(estimate, lang), _ci(*ci, lambda v: number(v, lang)),
                     "—" if n is None else number(n, lang), ""])  # fmt: skip
    return rows


def _add(content: Content, name: str, value: Any, lang: str) -> None:
    """One attribute of a fit result into the page's content."""
    target = FIELDS.get(name, name)
    unit = DURATION_UNITS.get(target, "")
    if isinstance(value, list) and value and all(isinstance(v, FamilyFit) for v in value):
        content.durations.append(Duration(target, unit, list(value)))
    elif is_ranked(value):
        n = getattr(value[0], "n", None)
        content.durations.append(Duration(target, unit, as_family_fits(target, value), n))
    elif isinstance(value, dict) and value and all(is_ranked(v) for v in value.values()):
        for key, fits in value.items():
            field = f"{DICT_PREFIX.get(name, '')}{key}"
            content.durations.append(Duration(field, "", as_family_fits(field, fits)))
    elif isinstance(getattr(value, "families", None), list) and value.families:
        core = ("families", "n", "censored", "done", "censored_values", "unit")
        done, censored = getattr(value, "done", None), getattr(value, "censored_values", None)
        content.durations.append(
            Duration(
                target,
                str(getattr(value, "unit", unit) or unit),
                value.families,
                getattr(value, "n", None),
                getattr(value, "censored", None),
                extra=_extras(value, core),
                sample=None if done is None else (done, () if censored is None else censored),
            )
        )
    elif isinstance(value, ShareFit):
        content.shares.append(_share_row(target, value, lang))
    elif isinstance(value, list) and value and all(isinstance(v, RateFit) for v in value):
        content.values += _rate_rows(value, lang)
    elif isinstance(value, TrafficFit):
        content.values += _traffic_rows(value, lang)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            content.values += _generic_rows(f"{target}[{index}]", item, lang)
    else:
        content.values += _generic_rows(target, value, lang)


def _lone_row(name: str, lone: tuple[float, float, float, str], lang: str) -> list[str]:
    """A lone estimate's row (the cases rate, written per year)."""
    shown, low, high, n = lone
    unit = "/year" if name == "cases" else ""

    def fmt(value: float) -> str:
        return f"{number(value, lang)}{unit}"

    return [FIELDS.get(name, name), fmt(shown), _ci(low, high, fmt), n, ""]


def collect(fitted: Any, lang: str) -> Content:
    """The page's content from a fit result's findings (``RequestsFit.fitted`` & co)."""
    content = Content()
    names = [f.name for f in dataclasses.fields(fitted)] if dataclasses.is_dataclass(fitted) else []
    for name in names:
        value = getattr(fitted, name)
        if name in SKIPPED or value is None:
            continue
        lone = estimate_row(name, value, getattr(fitted, f"{name}_n", None), lang)
        if lone is not None:
            content.values.append(_lone_row(name, lone, lang))
            continue
        _add(content, name, value, lang)
    review_n = getattr(fitted, "review_n", None)
    counted = getattr(fitted, "samples", None)
    for duration in content.durations:
        if duration.field == "policy.review_effort" and isinstance(review_n, tuple):
            duration.n, duration.censored = review_n
        key = duration.field.removeprefix("enterprises.")
        if isinstance(counted, dict) and isinstance(counted.get(key), str):
            duration.n_text = plain_text(counted[key], lang)
        gofs = getattr(fitted, "gof", None)  # per field, the chosen family's test
        if isinstance(gofs, dict) and gofs.get(key) is not None:
            duration.families[0] = dataclasses.replace(duration.families[0], gof=gofs[key])
        value, cis, n = _duration_row(duration, lang)
        how = "fit.how.ranked" if duration.field.startswith("enterprises.") else "fit.how.duration"
        content.values.append([duration.field, value, cis, n, i18n.text(how, lang)])
    content.values += content.shares
    return content


def label(key: str, fallback: str, lang: str) -> str:
    """The text of ``key`` when there is one, else ``fallback`` (a name from the result)."""
    return i18n.text(key, lang) if key in i18n.TEXT else fallback


def _effects_text(model: Any, lang: str) -> str:
    parts = [
        f"{label(f'fit.day_type.{e.day_type}', e.day_type, lang)} ×{number(e.factor, lang)} "
        f"{_plain_ci(e.ci, lang)}, p {number(e.p_value, lang)}"
        for e in getattr(model, "effects", None) or []
    ]
    return "; ".join(parts) if parts else "—"


def count_table(fitted: Any, lang: str) -> list[list[str]]:
    """Per requester kind: the count regression and the hour-of-day check, when present."""
    rows = []
    for fit in getattr(fitted, "rates", None) or []:
        model, hours = getattr(fit, "model", None), getattr(fit, "hours", None)
        if model is None and hours is None:
            continue
        rate = "—"
        if model is not None:
            shown = f"{number(model.rate, lang)}{i18n.text('fit.per_workday', lang)}"
            rate = f"{shown} {_plain_ci(model.rate_ci, lang)}"
        family = getattr(model, "family", None)
        rows.append(
            [
                i18n.VALUES.get(fit.kind, {}).get(lang, fit.kind),
                i18n.text(f"fit.count.{family}", lang) if family else "—",
                rate,
                number(getattr(model, "alpha", None), lang),
                number(getattr(model, "overdispersion_p", None), lang),
                _effects_text(model, lang) if model is not None else "—",
                i18n.format_value(hours.office_share, "fraction", lang) if hours else "—",
                number(hours.uniform_p, lang) if hours else "—",
            ]
        )
    return rows
