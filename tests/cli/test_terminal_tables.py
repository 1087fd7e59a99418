"""The terminal a planner reads (issue 14): 80 columns cut nothing, KPI names break only at
``.``/``@``, many-valued breakdowns fold to their top 5 with "N more rows in FILE", ``--kpi``
and ``--targets-only`` choose the rows, ``compare`` shows each target's base → variant
verdict and writes nothing without ``--out``. Real small runs through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from simdata.cli import cli
from simdata.cli.common import readable_table
from simdata.cli.names import pieces

pytestmark = pytest.mark.cli

#: Eight departments (a breakdown that folds), a target on the sharing channel's SLA share.
DEPARTMENTS = """\
name: pd-{reviewers}
run: {{start_date: 2026-03-02, horizon: 20 d, warmup: 5 d, replications: 3, seed: 4}}
catalogue: {{departments: 8, datasets: 80}}
policy: {{reviewers_per_department: {reviewers}}}
requesters:
  groups:
    - {{name: gov, kind: government, rate: 40/workday, channel: sharing}}
targets:
  - {{kpi: requests.within_sla_share@channel=sharing, ">=": 90%}}
"""
#: An M/M/3 node that fails its wait target; with 4 servers it passes (same seed: paired).
NODE = """\
name: mmc-{servers}
run: {{horizon: 1000 s, warmup: 100 s, replications: 3, seed: 11}}
resolution:
  servers: {servers}
  service_time: {{dist: lognormal, mean: 1 s, cv: 1.0}}
  traffic: {{rate: 2.4/s}}
targets:
  - {{kpi: resolution.wait_mean, "<=": 0.5 s}}
"""
NARROW = {"COLUMNS": "80"}


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, [*args], env=env or NARROW)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def _run(directory: Path, text: str, *extra: str) -> tuple[Path, Result]:
    scenario = directory.parent / f"{directory.name}.yaml"
    scenario.write_text(text, encoding="utf-8")
    result = _invoke("run", str(scenario), "--workers", "1", "--out", str(directory), *extra)
    return directory, result


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | Result]:
    """The department runs (1 and 2 reviewers each) and the node pair, run once."""
    where = tmp_path_factory.mktemp("terminal")
    base, shown = _run(where / "pd-1", DEPARTMENTS.format(reviewers=1))
    variant, _ = _run(where / "pd-2", DEPARTMENTS.format(reviewers=2))
    node3, _ = _run(where / "mmc-3", NODE.format(servers=3))
    node4, _ = _run(where / "mmc-4", NODE.format(servers=4))
    return {"base": base, "variant": variant, "node3": node3, "node4": node4, "shown": shown}


def _fits(text: str, width: int = 80) -> None:
    """Every line within ``width``, nothing cut with an ellipsis."""
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width, text


def _names_whole(text: str, names: list[str]) -> None:
    """Each shown KPI name's pieces (between '.'/'@' breaks) appear unbroken."""
    for name in names:
        for piece in pieces(name):
            assert piece.strip() in text, (name, piece)


def test_run_folds_departments_on_80_columns(runs: dict[str, Path | Result]) -> None:
    """8 per-department rows fold to the 5 busiest and '3 more rows in summary.parquet';
    80 columns cut no column and break no name inside a word."""
    result = runs["shown"]
    assert isinstance(result, Result)
    text = result.stdout
    _fits(text)
    summary = pl.read_parquet(Path(str(runs["base"])) / "summary.parquet")
    per_department = summary.filter(pl.col("kpi").str.starts_with("reviewers.utilisation@"))
    assert per_department.height == 8
    busiest = per_department.sort("mean", descending=True)["kpi"].to_list()
    shown = [name.split("@")[1] for name in busiest[:5]]
    hidden = [name.split("@")[1] for name in busiest[5:]]
    assert all(part in text for part in shown)
    assert not any(part in text for part in hidden)
    assert "3 more rows in" in text
    assert "summary.parquet" in text
    others = summary.filter(~pl.col("kpi").str.contains("@department="))["kpi"].to_list()
    _names_whole(text, [*others, *busiest[:5]])


def test_kpi_patterns_and_targets_only_choose_the_rows(tmp_path: Path) -> None:
    """--kpi shows what matches (every department: no folding), --targets-only the targets."""
    departments = DEPARTMENTS.format(reviewers=1)
    _, chosen = _run(tmp_path / "pd-kpi", departments, "--kpi", "reviewers.utilisation@*")
    assert chosen.stdout.count("@department=") == 8
    assert "more rows" not in chosen.stdout
    assert "requests." not in chosen.stdout
    _, targeted = _run(tmp_path / "node", NODE.format(servers=3), "--targets-only")
    assert "wait_mean" in targeted.stdout  # "resolution." may sit on the line above
    assert "sojourn_mean" not in targeted.stdout
    _, typo = _run(tmp_path / "typo", NODE.format(servers=3), "--kpi", "resolution.nope*")
    assert "--kpi 'resolution.nope*': matches no KPI here" in typo.stderr


def test_compare_shows_verdict_pairs_and_writes_nothing_without_out(
    runs: dict[str, Path | Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait target goes fail → pass with a fourth server, first in the table; no
    directory appears without --out; with it compare.parquet holds the pair."""
    monkeypatch.chdir(tmp_path)
    node3, node4 = str(runs["node3"]), str(runs["node4"])
    result = _invoke("compare", node3, node4)
    _fits(result.stdout)
    table = result.stdout.split("━━\n", 1)[1]
    first = table.splitlines()[0]
    assert "resolution." in first
    assert "fail → pass" in first
    assert "nothing written (--out DIR keeps compare.parquet" in result.stdout
    assert list(tmp_path.iterdir()) == []
    kept = tmp_path / "kept"
    _invoke("compare", node3, node4, "--out", str(kept))
    written = pl.read_parquet(kept / "compare.parquet")
    wait = written.filter(pl.col("kpi") == "resolution.wait_mean").row(0, named=True)
    assert (wait["target"], wait["base_verdict"], wait["variant_verdict"]) == (
        "<= 0.5 s",
        "fail",
        "pass",
    )
    assert written.filter(pl.col("kpi") != "resolution.wait_mean")["target"].null_count() > 0


def test_compare_folds_departments_by_the_size_of_the_difference(
    runs: dict[str, Path | Result], tmp_path: Path
) -> None:
    """Five departments with the largest |difference|, '3 more rows …'; --kpi shows all 8."""
    base, variant = str(runs["base"]), str(runs["variant"])
    out = tmp_path / "c"
    text = _invoke("compare", base, variant, "--out", str(out)).stdout
    _fits(text)
    table = pl.read_parquet(out / "compare.parquet")
    rows = table.filter(pl.col("kpi").str.starts_with("reviewers.utilisation@"))
    ranked = rows.with_columns(size=pl.col("diff_mean").abs()).sort("size", descending=True)
    departments = [name.split("@")[1] for name in ranked["kpi"].to_list()]
    assert all(d in text for d in departments[:5])
    assert not any(d in text for d in departments[5:])
    assert "3 more rows in" in text
    assert "compare.parquet" in text
    quick = _invoke("compare", base, variant).stdout
    _fits(quick)
    first_column = " ".join(line.split("│")[0].strip() for line in quick.splitlines())
    hint = "3 more rows (--kpi 'reviewers.utilisation @department=*' shows them)"
    assert hint in " ".join(first_column.split())
    every = _invoke("compare", base, variant, "--kpi", "reviewers.utilisation@*").stdout
    assert every.count("@department=") == 8
    only = _invoke("compare", base, variant, "--targets-only").stdout
    assert "within_sla_share" in only
    assert "reviewers." not in only


@pytest.mark.unit
def test_names_break_only_at_dots_and_ats() -> None:
    """On 50 columns a long name breaks after '.' or before '@', never inside a word."""
    name = "requests.delivered_within_sla_share@channel=sharing"
    rows = [[name, "76.13%", "[62.67%, 93.56%]"]]
    console = Console(width=50, record=True, color_system=None)
    console.print(readable_table(("KPI", "mean", "95% CI"), rows, right=("mean",)))
    text = console.export_text()
    _fits(text, 50)
    for piece in ("requests.", "delivered_within_sla_share", "@channel=sharing"):
        assert piece in text


def test_fold_keeps_a_targeted_row_outside_the_top(tmp_path: Path) -> None:
    """A targeted breakdown row is shown even when it is not among the five largest."""
    from simdata.cli.folding import Folded, fold

    items = [(f"x.y@d={i}", float(i), i == 0) for i in range(9)]
    shown = fold(items, lambda r: r[0], lambda r: r[1], lambda r: r[2])
    names = [item[0] for item in shown if not isinstance(item, Folded)]
    assert names == ["x.y@d=0", "x.y@d=8", "x.y@d=7", "x.y@d=6", "x.y@d=5", "x.y@d=4"]
    marker = shown[-1]
    assert isinstance(marker, Folded)
    assert marker.count == 3
    assert marker.text("in summary.parquet") == "3 more rows in summary.parquet"


def test_reports_open_with_verdict_pairs_and_show_the_chosen_rows(
    runs: dict[str, Path | Result], tmp_path: Path
) -> None:
    """A compare page opens with base → variant per target (not "no targets"); --kpi and
    --targets-only on report choose the rows of its tables."""
    out = tmp_path / "c"
    _invoke("compare", str(runs["node3"]), str(runs["node4"]), "--out", str(out))
    _invoke("report", str(out))
    page = (out / "report.html").read_text(encoding="utf-8")
    headline = page.split('id="headline"')[1].split("</section>")[0]
    assert "Targets: base → variant" in headline
    assert re.search(r"<td>&lt;= 0.5 s</td><td>fail</td><td>pass</td>", headline)
    assert "The scenario sets no targets" not in page
    assert "<td>fail → pass</td>" in page  # beside the difference, too
    chosen = tmp_path / "chosen.html"
    _invoke("report", str(out), "--kpi", "resolution.wait*", "--out", str(chosen))
    table = chosen.read_text(encoding="utf-8").split("Differences from the base")[1]
    assert "resolution.wait_mean" in table
    assert "resolution.sojourn_mean" not in table
    run_page = tmp_path / "run.html"
    _invoke("report", str(runs["node3"]), "--targets-only", "--out", str(run_page))
    kpis = run_page.read_text(encoding="utf-8").split('id="kpis"')[1].split("</section>")[0]
    assert 'class="code">resolution.wait_mean<' in kpis
    assert "resolution.sojourn_mean" not in kpis
