"""``simdata fit``: a planner's log → a scenario with fitted, commented values (issue 18).

Bad input — a missing column, an unparsable time, a negative duration, an empty table, an
unknown ``--as`` — is one line ``FILE:ROW: COLUMN: expected …, got …`` on stderr, exit 2,
nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import click

from simdata.cli.common import cli, handle_errors, output_console, plain
from simdata.errors import UsageError
from simdata.experiments.fit import TEMPLATES, fit_enterprises, fit_node, fit_requests
from simdata.report.fit_page import FitSource, build_fit_page, fit_report_path
from simdata.report.i18n import LANGS
from simdata.results import write_text


class Fitted(Protocol):
    """What every kind's fit returns: the scenario text."""

    @property
    def text(self) -> str: ...


def _renames(pairs: tuple[str, ...]) -> dict[str, str]:
    renames = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise UsageError(f"--map: expected COLUMN=FIELD, got {pair!r}")
        renames[column.strip()] = field.strip()
    return renames


@cli.command("fit")
@click.argument("data", required=False, type=click.Path(path_type=Path))
@click.option(
    "--as",
    "kind",
    metavar="requests|node|enterprises",
    help="Kind of log: requests, node or enterprises.",
)
@click.option(
    "--base",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Scenario the fitted one extends (its calendar counts the working time).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read your column COLUMN as the documented FIELD (repeatable).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Fitted scenario to write. Default: print it.",
)
@click.option(
    "--template",
    metavar="requests|node|enterprises",
    help="Print a template CSV of a kind and exit.",
)
@click.option(
    "--report",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[REPORT.html]",
    help="Also write an HTML page of the fit (densities, Q-Q/P-P, ranking, profile). "
    "Default: beside --out (fitted.html, fitted.zh.html with --lang zh).",
)
@click.option(
    "--lang", default="en", show_default=True, metavar="en|zh", help="Language of --report."
)
@handle_errors
def fit_command(
    data: Path | None,
    kind: str | None,
    base: Path | None,
    maps: tuple[str, ...],
    out: Path | None,
    template: str | None,
    report: str | None,
    lang: str,
) -> None:
    """Fit DATA (CSV in UTF-8 or GBK, xlsx or Parquet) and write a scenario whose fitted
    values carry their n, estimate and CI (docs/fit.md)."""
    if template is not None:
        if template not in TEMPLATES:
            raise UsageError(
                f"--template: expected one of {', '.join(TEMPLATES)}, got {template!r}"
            )
        click.echo(TEMPLATES[template], nl=False)
        return
    if data is None:
        raise UsageError("DATA: expected a log file (or --template KIND), got none")
    if kind not in TEMPLATES:
        raise UsageError(f"--as: expected one of {', '.join(TEMPLATES)}, got {kind!r}")
    renames = _renames(maps)
    if lang not in LANGS:  # before the fit, which may take a while
        raise UsageError(f"--lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    if out is not None:
        _check_folder("--out", out)
    page_path = _report_path(data, out, report, lang)  # before the fit, as --lang
    if kind == "enterprises":
        result: Fitted = fit_enterprises(data, base, renames, out)
    else:
        result = (fit_node if kind == "node" else fit_requests)(data, base, renames, out)
    page = None  # built whole before anything is written
    if page_path is not None:
        page = (page_path, build_fit_page(result, FitSource(data, kind, base, renames), lang))
    summary = getattr(result, "summary", "")
    if summary:  # the rates and the AIC ranking with GoF p-values; stdout may be the YAML
        click.echo(summary, nl=False, err=out is None)
    if out is None:
        click.echo(result.text, nl=False)
    else:
        out.write_text(result.text, encoding="utf-8")
        output_console().print(f"wrote {plain(out)}", highlight=False)
    if page is not None:
        write_text(*page)
        click.echo(f"wrote {page[0]}", err=out is None)  # stdout may be the YAML


def _report_path(data: Path, out: Path | None, report: str | None, lang: str) -> Path | None:
    """``--report``: the page's path (None without the option), checked before the fit."""
    if report is None:
        return None
    path = Path(report) if report else fit_report_path(data, out, lang)
    if path.is_dir():
        raise UsageError(f"--report: expected a file name, got the directory {path}")
    if out is not None and path.resolve() == out.resolve():
        raise UsageError(f"--report: expected another file than --out, got {path}")
    _check_folder("--report", path)
    return path


def _check_folder(option: str, path: Path) -> None:
    """A file to write needs an existing folder: said in one line before the fit (which
    may take a while) and before anything is written, not as a traceback after it."""
    folder = path.parent
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "no such folder"
        raise UsageError(
            f"{option}: {path}: expected a file in an existing folder, got {folder} ({what})"
        )
