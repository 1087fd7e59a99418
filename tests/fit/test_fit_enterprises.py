"""`simdata fit --as enterprises`: adoption, final identifiers, ramp, usage and cases recovered
from logs drawn by simdata's own enterprise model; the fitted scenario loads; bad files refused."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from simdata.experiments.fit import fit_enterprises
from simdata.experiments.fit.enterprises_fit import EnterprisesFit
from simdata.experiments.fit.enterprises_log import TEMPLATE, parse_enterprises
from simdata.model.identifiers.enterprises import MONTH_S
from simdata.scenario.loader import load_scenario
from simdata.scenario.units import DAY_S
from tests.fit.cli_fit import assert_bad_file_refused, invoke
from tests.fit.enterprises_synthetic import (
    BASELINE,
    BASS,
    Z99,
    ranks_first,
    recovered,
    scenario,
    truth,
    write_log,
)

pytestmark = pytest.mark.unit

WORLD = scenario()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[EnterprisesFit, Path]:
    """One two-year Zhanjiang log (seed 8), fitted over the shipped baseline."""
    folder = tmp_path_factory.mktemp("enterprises")
    log = write_log(folder / "enterprises.csv", 8, WORLD)
    out = folder / "fitted.yaml"
    return fit_enterprises(log, BASELINE, out=out), out


def test_fit_recovers_the_baseline(baseline: tuple[EnterprisesFit, Path]) -> None:
    """Every true parameter lies in its 99 % CI; the true model and families rank first."""
    fitted = baseline[0].fitted
    true = truth(WORLD)
    for key, (value, low, high) in recovered(fitted, WORLD).items():
        assert low <= true[key] <= high, (key, value, low, high)
    assert ranks_first(fitted, WORLD) == {
        "adoption": True,
        "final_identifiers": True,
        "ramp_time": True,
        "usage_intensity": True,
    }


def test_fitted_scenario_extends_the_base(baseline: tuple[EnterprisesFit, Path]) -> None:
    """The written YAML loads over the base with the fitted values in the model's units; the
    base's ramp cv (the fit writes sigma) is nulled; each fitted field has a # D: comment."""
    fit, out = baseline
    out.write_text(fit.text, encoding="utf-8")
    loaded = load_scenario(out)
    spec = loaded.enterprises
    assert spec is not None
    assert loaded.run == load_scenario(BASELINE).run
    adoption = fit.fitted.adoption[0]
    assert spec.adoption.model == "poisson"
    assert spec.adoption.rate * MONTH_S == pytest.approx(adoption.params["rate"].value, rel=1e-3)
    assert spec.adoption.growth is not None
    growth = adoption.params["growth"].value
    assert spec.adoption.growth.per_s * MONTH_S == pytest.approx(growth, rel=1e-3)
    ramp = fit.fitted.dists["ramp_time"][0]
    assert ramp.family == spec.ramp_time.dist == "lognormal"
    median_days = spec.ramp_time.log_params[0]  # type: ignore[union-attr]
    assert math.exp(median_days) / DAY_S == pytest.approx(ramp.params["median"].value, rel=1e-3)
    for field in ("adoption", "final_identifiers", "ramp_time", "usage_intensity", "cases"):
        lines = fit.text.splitlines()
        index = next(i for i, line in enumerate(lines) if line.startswith(f"  {field}:"))
        assert "# D:" in lines[index] + lines[index + 1], field
    assert "sha256" in fit.text
    assert fit.text.count("GoF: Anderson-Darling p = ") == 2  # final identifiers, ramp time


def test_bass_adoption_recovered(tmp_path: Path) -> None:
    """A Bass world: Bass ranks first by AIC and p, q and the market size are in their CIs."""
    world = scenario(BASS)
    fit = fit_enterprises(write_log(tmp_path / "bass.csv", 5, world))
    fitted = fit.fitted
    assert fitted.adoption[0].model == "bass"
    true = truth(world)
    for key, (value, low, high) in recovered(fitted, world).items():
        if key.startswith("adoption"):
            assert low <= true[key] <= high, (key, value, low, high)
    assert "adoption: {model: bass, p: " in fit.text


def test_cases_per_identifier_recovered(tmp_path: Path) -> None:
    """A base with cases.per_identifier: both rates are fitted (joiners only) and cover the
    truth (0.5/year + 2e-5/year per identifier) at 99 %; the YAML carries both."""
    base = tmp_path / "base.yaml"
    base.write_text(
        f"name: per-identifier\nextends: {BASELINE.as_posix()}\nenterprises:\n"
        "  cases: {rate: 0.5/year, per_identifier: 2e-5/year}\n",
        encoding="utf-8",
    )
    world = load_scenario(base)
    fit = fit_enterprises(write_log(tmp_path / "log.csv", 21, world), base, gof=False)
    rate, per_identifier = fit.fitted.cases, fit.fitted.per_identifier
    assert rate is not None
    assert per_identifier is not None
    year = 365.25
    assert rate.ci(Z99)[0] * year <= 0.5 <= rate.ci(Z99)[1] * year
    assert per_identifier.ci(Z99)[0] * year <= 2e-5 <= per_identifier.ci(Z99)[1] * year
    assert "  cases: {rate: " in fit.text
    assert ", per_identifier: " in fit.text


def test_template_is_printed_and_fits_with_notes(tmp_path: Path) -> None:
    """--template prints the documented layout; a tiny log fits what it can and says why not
    the rest."""
    code, out, _ = invoke("fit", "--template", "enterprises")
    assert code == 0
    assert out == TEMPLATE
    frame = pl.read_csv(io.StringIO(TEMPLATE), infer_schema=False)
    log = parse_enterprises(frame, "t.csv")
    assert log.names == ["E0001", "E0002"]
    assert log.registrations.tolist() == [[3000, 4000, 4500], [0, 0, 800]]
    path = tmp_path / "tiny.csv"
    path.write_text(TEMPLATE, encoding="utf-8")
    text = fit_enterprises(path).text
    assert "# note: adoption not fitted: expected at least 10" in text
    assert "cases: {rate: " in text
    bare = tmp_path / "bare.csv"  # no cases column, one enterprise: nothing to fit
    bare.write_text(
        "enterprise,joined,month,registrations,resolutions\nE1,2024-01-09,2024-01,30,0\n",
        encoding="utf-8",
    )
    assert fit_enterprises(bare).text.endswith("\nenterprises: {}\n")


def test_cli_writes_and_maps_columns(tmp_path: Path) -> None:
    """--map reads the planner's own column names; --out writes the fitted scenario."""
    frame = pl.read_csv(write_log(tmp_path / "log.csv", 5, WORLD))
    frame = frame.rename({"enterprise": "企业", "joined": "接入日期", "month": "月份"})
    source = tmp_path / "企业月报.csv"
    frame.write_csv(source)
    out = tmp_path / "fitted.yaml"
    code, stdout, stderr = invoke(
        "fit", source, "--as", "enterprises", "--out", out,
        "--map", "企业=enterprise", "--map", "接入日期=joined", "--map", "月份=month",
    )  # fmt: skip
    assert code == 0, stderr
    assert "wrote" in stdout
    assert "final_identifiers: n = " in stdout  # the AIC rankings beside the file
    assert "adoption: {model: " in out.read_text(encoding="utf-8")


GOOD = "enterprise,joined,month,registrations,resolutions,cases\n"
BAD_FILES = [
    ("missing column", "enterprise,joined,month,registrations\nE1,2024-01-02,2024-01,5\n",
     ":1: expected a column 'resolutions'"),
    ("unparsable date", GOOD + "E1,2024-13-40,2024-01,5,0,0\n", ":2: joined: expected a date"),
    ("unparsable month", GOOD + "E1,2024-01-02,2024-01,5,0,0\nE1,2024-01-02,March,1,0,0\n",
     ":3: month: expected a month like 2025-03, got 'March'"),
    ("negative count", GOOD + "E1,2024-01-02,2024-01,-5,0,0\n",
     ":2: registrations: expected a whole number ≥ 0, got '-5'"),
    ("fractional count", GOOD + "E1,2024-01-02,2024-01,5,1.5,0\n",
     ":2: resolutions: expected a whole number ≥ 0, got '1.5'"),
    ("bad cases", GOOD + "E1,2024-01-02,2024-01,5,0,x\n", ":2: cases: expected a whole number"),
    ("empty file", GOOD, "expected at least one record row, got an empty table"),
    ("month before joining", GOOD + "E1,2024-03-10,2024-02,5,0,0\n",
     ":2: month: expected a month on or after E1 joined (2024-03), got 2024-02"),
    ("two joining dates", GOOD + "E1,2024-01-02,2024-01,5,0,0\nE1,2024-01-05,2024-02,5,0,0\n",
     ":3: joined: expected E1's joining date of row 2 (2024-01-02), got 2024-01-05"),
    ("duplicate month", GOOD + "E1,2024-01-02,2024-01,5,0,0\nE1,2024-01-02,2024-01,5,0,0\n",
     ":3: month: expected one row per enterprise and month, got a second E1 2024-01 (first at "
     "row 2)"),
    ("empty id", GOOD + ",2024-01-02,2024-01,5,0,0\n",
     ":2: enterprise: expected a value, got an empty cell"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_one_line_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    """Each bad file: exit 2, one line naming the file, row and column, nothing written."""
    assert_bad_file_refused(tmp_path, "enterprises", text, message)


@pytest.mark.slow
def test_ci_coverage_over_seeds(tmp_path: Path) -> None:
    """Over 6 logs, the 99 % CIs of the 10 true parameters cover at the binomial tolerance
    0.99 − 2.58·√(0.0099/60) = 0.957 pooled, and no parameter misses more than once
    (bench/fit_enterprises_coverage.py measures 200 logs per world)."""
    true = truth(WORLD)
    hits: dict[str, list[bool]] = {key: [] for key in true}
    for seed in range(100, 106):
        log = write_log(tmp_path / f"{seed}.csv", seed, WORLD)
        fitted = fit_enterprises(log, gof=False).fitted
        for key, (_, low, high) in recovered(fitted, WORLD).items():
            hits[key].append(low <= true[key] <= high)
    pooled = np.mean([hit for values in hits.values() for hit in values])
    assert pooled >= 0.99 - 2.58 * math.sqrt(0.0099 / (6 * len(true))), hits
    assert all(sum(values) >= len(values) - 1 for values in hits.values()), hits
