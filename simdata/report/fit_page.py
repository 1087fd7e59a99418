"""``simdata fit … --report``: one self-contained HTML page (en or zh) beside the fitted YAML.

For each fitted duration: a histogram (Kaplan–Meier for censored samples) with every ranked
family's density, Q–Q and P–P plots of the chosen family, and the ranking table (parameters
with CIs, log-likelihood, AIC, ΔAIC and any goodness-of-fit field the result carries); the
fitted values and shares with their CIs and n; the arrival profile with its CI band; the
fitted scenario itself. Figures go through the reports' matplotlib canvas (fonts.py: a CJK
font even under a stale font cache) and are inlined as ``data:`` PNGs under the same
Content-Security-Policy as every report, so the page reads offline.

The page is rendered whole in memory before anything is written, then written atomically
(:func:`simdata.results.write_text`): an error leaves no half page, and ``simdata fit``
builds it before it writes the YAML, so a failure leaves neither.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from simdata.errors import UsageError
from simdata.report import i18n
from simdata.report.fit_samples import FitSamples, Sample, node_samples, requests_samples
from simdata.report.fit_tables import (
    collect,
    count_table,
    plain_text,
    ranking_table,
    unit_text,
)
from simdata.report.fonts import FontWarning, find_cjk_font
from simdata.report.html import _environment, _own_version
from simdata.report.plots.common import Canvas, Plot
from simdata.report.plots.fit import duration_plot, profile_plot
from simdata.results import write_text

#: The fit page's file name beside ``FITTED.yaml``, per language.
SUFFIXES = {"en": ".html", "zh": ".zh.html"}


@dataclass(frozen=True)
class FitSource:
    """What was fitted: the log, its kind, the base and the column renames."""

    data: Path
    kind: str
    base: Path | None = None
    renames: Mapping[str, str] = dataclasses.field(default_factory=dict)


def fit_report_path(data: Path, out: Path | None, lang: str) -> Path:
    """The page's default path: beside ``--out`` (``fitted.yaml`` → ``fitted.html``, or
    ``fitted.zh.html`` in Chinese); without ``--out``, ``DATA-fitted.html`` here."""
    stem = out.with_suffix("") if out is not None else Path(f"{data.stem}-fitted")
    return stem.parent / f"{stem.name}{SUFFIXES[lang]}"


def samples_of(source: FitSource) -> FitSamples:
    """The samples and profile behind a fit (read again from the log, as fitted)."""
    if source.kind == "requests":
        return requests_samples(source.data, source.base, source.renames)
    if source.kind == "node":
        return node_samples(source.data, source.renames)
    return FitSamples()


def _slug(field: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", field.lower()).strip("-")


def _duration_sections(
    content_durations: list[Any], samples: FitSamples, canvas: Canvas
) -> list[dict[str, Any]]:
    sections = []
    for duration in content_durations:
        lang, slug = canvas.lang, _slug(duration.field)
        unit = unit_text(duration.unit, lang).strip()
        sample = samples.durations.get(duration.field)
        if sample is None and duration.sample is not None:
            done, censored = duration.sample
            sample = Sample(np.asarray(done, dtype=float), np.asarray(censored, dtype=float))
        plots: list[Plot] = []
        if sample is not None and sample.done.size:
            plots.append(
                duration_plot(canvas, slug, sample, duration.families, unit, duration.field)
            )
        extras = [
            (i18n.text(f"fit.col.{k}", lang) if f"fit.col.{k}" in i18n.TEXT else k, v)
            for k, v in duration.extra.items()
        ]
        sections.append(
            {
                "field": duration.field,
                "slug": slug,
                "ranking": ranking_table(duration, lang),
                "plots": plots,
                "extras": extras,
                "censored": bool(sample is not None and sample.censored.size),
            }
        )
    return sections


def render_fit_page(
    result: Any, source: FitSource, samples: FitSamples, lang: str, cjk: str | None
) -> str:
    """The page's HTML for a fit ``result`` (``RequestsFit``, ``NodeFit`` or alike)."""
    canvas = Canvas(lang=lang, cjk_font=cjk)
    fitted = getattr(result, "fitted", result)
    content = collect(fitted, lang)
    profile = [profile_plot(canvas, samples.profile)] if samples.profile is not None else []
    notes = [plain_text(str(note), lang) for note in getattr(fitted, "notes", []) or []]
    if cjk is None and lang == "zh":
        notes.insert(0, i18n.text("font.missing", lang))
    context = {
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "t": lambda key, **fields: i18n.text(key, lang, **fields),
        "title": i18n.text("fit.title", lang, source=source.data.name),
        "kind_label": i18n.text("fit.kind", lang, kind=source.kind),
        "notes": notes,
        "facts": _facts(fitted, source, samples, lang),
        "values": content.values,
        "durations": _duration_sections(content.durations, samples, canvas),
        "shares": content.shares,
        "counts": count_table(fitted, lang),
        "profile": profile,
        "scenario_yaml": str(getattr(result, "text", "")),
        "footer": i18n.text(
            "fit.footer",
            lang,
            version=_own_version(),
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        ),
    }
    environment: jinja2.Environment = _environment()
    return environment.get_template("fit.html.j2").render(context)


def _facts(fitted: Any, source: FitSource, samples: FitSamples, lang: str) -> list[tuple[str, str]]:
    facts = [
        (i18n.text("fit.fact.source", lang), source.data.name),
        (i18n.text("fit.fact.sha256", lang), str(getattr(fitted, "sha256", "—"))),
        (i18n.text("fit.fact.kind", lang), source.kind),
        (i18n.text("fit.fact.base", lang), str(source.base) if source.base else "—"),
    ]
    if samples.profile is not None:
        facts.append(
            (i18n.text("fit.fact.rows", lang),
             i18n.text("fit.n.days", lang, n=samples.profile.n, days=samples.profile.days))
        )  # fmt: skip
    return facts


def write_fit_report(result: Any, source: FitSource, path: Path, lang: str = "en") -> Path:
    """Render the page whole, then write it atomically to ``path``; return ``path``."""
    if lang not in i18n.LANGS:
        raise UsageError(f"--lang: expected one of {', '.join(i18n.LANGS)}, got {lang!r}")
    if path.is_dir():
        raise UsageError(f"--report: expected a file name, got the directory {path}")
    html = build_fit_page(result, source, lang)
    write_text(path, html)
    return path


def build_fit_page(result: Any, source: FitSource, lang: str = "en") -> str:
    """The page's HTML, with the samples read from the log and the CJK font looked up."""
    cjk = find_cjk_font()
    if cjk is None and lang == "zh":
        warnings.warn(i18n.text("font.missing", "en"), FontWarning, stacklevel=2)
    return render_fit_page(result, source, samples_of(source), lang, cjk)
