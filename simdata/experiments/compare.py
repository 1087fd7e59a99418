"""Compare runs: the difference of every KPI between a base run and its variants.

Runs made with the same root seed share their random numbers replication by replication
(common random numbers), so the difference ``variant − base`` is paired on the replication
index: its variance is var(base) + var(variant) − 2·cov, smaller than the unpaired
var(base) + var(variant) when the two runs are positively correlated (Law 2015,
*Simulation Modeling and Analysis*, §11.2). Runs with different root seeds share nothing:
their difference is Welch's, unpaired. A quantile KPI's difference is that of the two
runs' pooled quantiles — the estimator their summaries show — from ``histograms.parquet``,
with a sectioning CI. Which run is better is decided across a family of KPIs with Holm's
correction (:mod:`simdata.experiments.compare_stats`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from simdata.analysis.multiplicity import ALPHA
from simdata.analysis.quantiles import HISTOGRAM_SCHEMA, quantile_of, section_quantiles
from simdata.errors import UsageError
from simdata.experiments.compare_stats import (
    Difference,
    judge,
    paired_difference,
    sectioned_difference,
    welch_difference,
)
from simdata.results import (
    check_out_dir,
    claim_run_dir,
    manifest,
    utc_now,
    write_json,
    write_parquet,
)

COMPARE_SCHEMA = {
    "variant": pl.String,
    "kpi": pl.String,
    "diff_mean": pl.Float64,
    "diff_ci_low": pl.Float64,
    "diff_ci_high": pl.Float64,
    "n_pairs": pl.Int64,
    "variance_reduction": pl.Float64,
    "better": pl.String,
    "test": pl.String,
    "p_value": pl.Float64,
    "p_holm": pl.Float64,
    "in_family": pl.Boolean,
    "conditional": pl.Boolean,
    "target": pl.String,
    "base_verdict": pl.String,
    "variant_verdict": pl.String,
}


@dataclass(frozen=True)
class RunDir:
    """A run directory read for comparison: its manifest, KPI table and targeted KPIs."""

    path: Path
    manifest: dict[str, Any]
    kpis: pl.DataFrame
    targeted: frozenset[str] = frozenset()
    #: The quantile KPIs' sample histograms (``histograms.parquet``; ``None`` for a run
    #: written before they were kept: its quantiles are compared as replication values).
    histograms: pl.DataFrame | None = None
    #: KPI → (its targets' text, the run's verdict) from ``summary.parquet``: what the run
    #: itself concluded (empty for a run without one).
    verdicts: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def root_seed(self) -> int:
        return int(self.manifest["root_seed"])

    @property
    def name(self) -> str:
        return str(self.manifest.get("scenario_name") or self.path.name)


@dataclass
class CompareResult:
    """What a comparison produced: ``compare.parquet``'s table and the manifest."""

    table: pl.DataFrame
    base: RunDir
    variants: list[RunDir]
    out_dir: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)


def read_run_dir(path: Path) -> RunDir:
    """Read ``manifest.json`` and ``kpis.parquet``; refuse anything else (exit 2)."""
    if not path.is_dir():
        raise UsageError(f"{path}: expected a run directory, got no such directory")
    manifest_path = path / "manifest.json"
    kpis_path = path / "kpis.parquet"
    if not manifest_path.is_file():
        raise UsageError(f"{path}: expected a run directory with manifest.json, got none")
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"{manifest_path}: expected a JSON manifest, got {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("root_seed"), int):
        raise UsageError(f"{manifest_path}: root_seed: expected an integer, got none")
    kind = data.get("kind")
    if kind != "run":
        raise UsageError(f"{manifest_path}: kind: expected a run (simdata run), got {kind!r}")
    if not kpis_path.is_file():
        status = data.get("status")
        hint = (
            f" (the run is {status}: finish it with simdata run --resume {path})"
            if status in ("running", "interrupted")
            else ""
        )
        raise UsageError(f"{path}: expected kpis.parquet in the run directory, got none{hint}")
    try:
        kpis = pl.read_parquet(kpis_path)
    except Exception as error:  # polars raises several kinds for a bad file
        raise UsageError(f"{kpis_path}: expected a Parquet KPI table, got {error}") from None
    if set(kpis.columns) < {"replication", "kpi", "value"}:
        raise UsageError(
            f"{kpis_path}: expected columns replication, kpi, value, got {', '.join(kpis.columns)}"
        )
    return RunDir(
        path,
        data,
        kpis.select("replication", "kpi", "value"),
        _targeted(path),
        _histograms(path),
        _verdicts(path),
    )


def _verdicts(path: Path) -> dict[str, tuple[str, str | None]]:
    """The targeted rows of ``summary.parquet``: KPI → (target text, verdict)."""
    found = path / "summary.parquet"
    if not found.is_file():
        return {}
    try:
        summary = pl.read_parquet(found)
    except Exception as error:  # polars raises several kinds for a bad file
        raise UsageError(f"{found}: expected a Parquet summary table, got {error}") from None
    if not {"kpi", "target", "verdict"} <= set(summary.columns):
        return {}
    targeted = summary.filter(pl.col("target").is_not_null())
    return {
        str(kpi): (str(target), None if verdict is None else str(verdict))
        for kpi, target, verdict in targeted.select("kpi", "target", "verdict").iter_rows()
    }


def verdict_pairs(base: RunDir, variant: RunDir) -> dict[str, tuple[str, str | None, str | None]]:
    """KPI → (target, base verdict, variant verdict) for every target of either run: does
    the variant turn a fail into a pass? A verdict is ``None`` where that run has no target
    on the KPI; the target text is the base's, with the variant's beside it if it differs."""
    pairs = {}
    for kpi in dict.fromkeys([*base.verdicts, *variant.verdicts]):
        base_target, base_verdict = base.verdicts.get(kpi, ("", None))
        variant_target, variant_verdict = variant.verdicts.get(kpi, ("", None))
        target = base_target or variant_target
        if base_target and variant_target and base_target != variant_target:
            target = f"{base_target} (variant: {variant_target})"
        pairs[kpi] = (target, base_verdict, variant_verdict)
    return pairs


def _histograms(path: Path) -> pl.DataFrame | None:
    """``histograms.parquet`` if the run kept it and it reads as one."""
    found = path / "histograms.parquet"
    if not found.is_file():
        return None
    try:
        frame = pl.read_parquet(found)
    except Exception as error:  # polars raises several kinds for a bad file
        raise UsageError(f"{found}: expected a Parquet histogram table, got {error}") from None
    if set(frame.columns) < set(HISTOGRAM_SCHEMA):
        raise UsageError(
            f"{found}: expected columns {', '.join(HISTOGRAM_SCHEMA)}, got "
            f"{', '.join(frame.columns)}"
        )
    return frame


def _targeted(path: Path) -> frozenset[str]:
    """The KPIs the run's ``scenario.yaml`` has targets on (none when it is unreadable:
    the run was validated when it ran, and a compare without targets is still sound)."""
    try:
        data = yaml.safe_load((path / "scenario.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return frozenset()
    targets = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(targets, list):
        return frozenset()
    return frozenset(str(t["kpi"]) for t in targets if isinstance(t, dict) and "kpi" in t)


def paired(base: RunDir, variant: RunDir) -> bool:
    """Whether the two runs share their random numbers (same root seed): then replication
    *i* of one is paired with replication *i* of the other."""
    return base.root_seed == variant.root_seed


def difference_rows(base: RunDir, variant: RunDir, label: str) -> list[dict[str, Any]]:
    """One row per KPI both runs have: the difference, its CI and p-value (paired t under
    common random numbers, Welch's t otherwise), the variance reduction pairing bought."""
    together = paired(base, variant)
    common = set(variant.kpis["kpi"].to_list())
    pairs = verdict_pairs(base, variant)
    rows = []
    for kpi in dict.fromkeys(base.kpis["kpi"].to_list()):
        if kpi not in common:
            continue
        pooled = _pooled_difference(base, variant, kpi, together)
        if pooled is not None:
            rows.append(_row(label, kpi, pooled, pairs.get(kpi)))
            continue
        a = base.kpis.filter(pl.col("kpi") == kpi)
        b = variant.kpis.filter(pl.col("kpi") == kpi)
        if together:
            joined = a.join(b, on="replication", suffix="_variant")
            if joined.is_empty():
                continue
            diff = paired_difference(
                joined["value"].to_numpy().astype("float64"),
                joined["value_variant"].to_numpy().astype("float64"),
            )
        else:
            diff = welch_difference(
                a["value"].to_numpy().astype("float64"), b["value"].to_numpy().astype("float64")
            )
        rows.append(_row(label, kpi, diff, pairs.get(kpi)))
    return rows


def _pooled_difference(
    base: RunDir, variant: RunDir, kpi: str, together: bool
) -> Difference | None:
    """A quantile KPI's difference of pooled quantiles (the summary's estimator), when both
    runs kept its sample histograms; ``None`` otherwise."""
    found = quantile_of(kpi)
    if found is None or base.histograms is None or variant.histograms is None:
        return None
    q, key = found
    return sectioned_difference(
        section_quantiles(base.histograms, key, q),
        section_quantiles(variant.histograms, key, q),
        together,
    )


def _row(
    label: str, kpi: str, diff: Difference, pair: tuple[str, str | None, str | None] | None
) -> dict[str, Any]:
    target, base_verdict, variant_verdict = pair if pair is not None else (None, None, None)
    return {
        "variant": label,
        "kpi": kpi,
        "diff_mean": diff.mean,
        "diff_ci_low": diff.ci_low,
        "diff_ci_high": diff.ci_high,
        "n_pairs": diff.n_pairs,
        "variance_reduction": diff.variance_reduction,
        "test": diff.test,
        "p_value": diff.p_value,
        "target": target,
        "base_verdict": base_verdict,
        "variant_verdict": variant_verdict,
    }


def compare(
    base: str | Path,
    variants: Sequence[str | Path],
    out: str | Path | None = None,
    *,
    argv: Sequence[str] = (),
) -> CompareResult:
    """The difference of every KPI, ``variant − base``, for each variant run.

    Paired on the replication indices when a variant shares the base's root seed (refused,
    exit 2, with fewer than two shared indices), Welch's unpaired t when it does not.
    "Better" is decided with Holm's correction over the whole compare's family
    (:func:`compare_stats.judge`). With ``out`` writes a run directory of kind
    ``compare``: ``compare.parquet`` and ``manifest.json`` (last).
    """
    if not variants:
        raise UsageError("compare: expected at least one VARIANT run directory, got none")
    started = utc_now()
    base_run = read_run_dir(Path(base))
    variant_runs = [read_run_dir(Path(v)) for v in variants]
    labels: list[str] = []
    seen = {base_run.path.resolve()}
    for run in variant_runs:
        if run.path.resolve() in seen:
            raise UsageError(
                f"{run.path}: expected each run directory once (base and variants), got it twice"
            )
        seen.add(run.path.resolve())
        _check_pairable(base_run, run)
        # The scenario's name, unless it does not tell the runs apart (e.g. a --set variant).
        label = run.name
        labels.append(label if label not in (*labels, base_run.name) else run.path.name)
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        check_out_dir(out_dir)  # refused before the work; owned (locked) when written
    rows = [
        row
        for run, label in zip(variant_runs, labels, strict=True)
        for row in difference_rows(base_run, run, label)
    ]
    targeted = base_run.targeted.union(*(run.targeted for run in variant_runs))
    table = judge(pl.DataFrame(rows, schema=COMPARE_SCHEMA, orient="row"), targeted)
    result = CompareResult(table, base_run, variant_runs, out_dir)
    result.manifest = _manifest(result, labels, started, argv)
    if out_dir is not None:
        with claim_run_dir(out_dir):
            write_parquet(out_dir / "compare.parquet", table)
            write_json(out_dir / "manifest.json", result.manifest)
    return result


def _check_pairable(base_run: RunDir, run: RunDir) -> None:
    """Refuse a variant with too few (shared) replications or no KPI in common."""
    if paired(base_run, run):
        shared = set(base_run.kpis["replication"].to_list()) & set(
            run.kpis["replication"].to_list()
        )
        if len(shared) < 2:
            raise UsageError(
                f"{run.path}: expected at least 2 replication indices shared with the base "
                f"{base_run.path}, got {len(shared)}"
            )
    else:
        for each in (base_run, run):
            count = each.kpis["replication"].n_unique()
            if count < 2:
                raise UsageError(
                    f"{each.path}: expected at least 2 replications to compare, got {count}"
                )
    common = set(base_run.kpis["kpi"].to_list()) & set(run.kpis["kpi"].to_list())
    if not common:
        raise UsageError(
            f"{run.path}: expected KPIs in common with the base {base_run.path} (runs of "
            "the same model with another policy), got none"
        )


def _manifest(
    result: CompareResult, labels: list[str], started: dt.datetime, argv: Sequence[str]
) -> dict[str, Any]:
    base_run, table = result.base, result.table
    return manifest(
        kind="compare",
        status="complete",
        argv=list(argv),
        started=started,
        finished=utc_now(),
        scenario_sha256=str(base_run.manifest.get("scenario_sha256", "")),
        root_seed=base_run.root_seed,
        replications=max(
            (run.kpis["replication"].n_unique() for run in (base_run, *result.variants)),
            default=0,
        ),
        warnings=[
            f"{label}: root seed {run.root_seed} is not the base's {base_run.root_seed}: "
            "no common random numbers, so its differences are Welch's (unpaired, wider)"
            for run, label in zip(result.variants, labels, strict=True)
            if not paired(base_run, run)
        ],
        failures=[],
        extra={
            "base": {"path": str(base_run.path), "scenario_name": base_run.name},
            "variants": [
                {
                    "path": str(run.path),
                    "label": label,
                    "scenario_sha256": run.manifest.get("scenario_sha256"),
                    "root_seed": run.root_seed,
                    "test": "paired t" if paired(base_run, run) else "Welch t",
                }
                for run, label in zip(result.variants, labels, strict=True)
            ],
            "better": {
                "method": "Holm",
                "alpha": ALPHA,
                "family_size": int(table["in_family"].sum()),
                "family": "KPIs with a better direction, not conditional, targeted or "
                "without a breakdown, over all variants",
            },
        },
    )
