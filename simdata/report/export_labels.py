"""What an export's tables say to a reader: readable values beside SI ones, Chinese headers.

Exports keep every SI column of the Parquet files (a planner's own formulas need them)
and add, next to each KPI value, the same value as a person reads it — ``2.75 d``,
``93.5%``, ``1,200,000 元`` — through the report's formatter, so an export and a report
never disagree. With ``--lang zh`` the column headers become Chinese
and verdicts read 通过 / 未通过 / 待定; a column this table does not know keeps its name.
"""

from __future__ import annotations

import polars as pl

from simdata.analysis.kpis import REGISTRY
from simdata.kpi_names import base_of
from simdata.report import i18n

#: Verdicts in a Chinese export (the issue's words for a pass/fail sheet).
VERDICTS_ZH = {"pass": "通过", "fail": "未通过", "undecided": "待定"}

#: Chinese column headers; columns not listed keep their (English) name.
HEADERS_ZH = {
    "kpi": "指标",
    "label_zh": "指标名称",
    "unit": "单位",
    "mean": "均值（SI）",
    "mean_shown": "均值",
    "ci_low": "95%置信区间下限（SI）",
    "ci_high": "95%置信区间上限（SI）",
    "ci_shown": "95%置信区间",
    "std": "标准差（SI）",
    "n": "重复次数",
    "target": "目标",
    "verdict": "结论",
    "ci_level": "置信水平",
    "ci_method": "区间方法",
    "note": "备注",
    "replication": "重复",
    "value": "数值（SI）",
    "value_shown": "数值",
    "parameter": "参数",
    "as_written": "取值（按情景文件写法）",
    "time_s": "时间（秒）",
    "date": "日期",
    "series": "序列",
    "group": "分组",
    "arrival_s": "到达时间（秒）",
    "arrival": "到达时间",
    "end_s": "办结时间（秒）",
    "end": "办结时间",
    "outcome": "结果",
    "kind": "请求方类型",
    "channel": "渠道",
    "sharing_class": "共享/开放类别",
    "department": "部门",
    "workdays": "工作日",
    "within_sla": "时限内办结",
    "measured": "计入统计",
    "enterprise": "企业",
    "qualified": "达标",
}


def _unit_of(kpi: str) -> str | None:
    found = REGISTRY.get(base_of(kpi))
    return found.unit if found is not None else None


def _shown(values: list[float | None], units: list[str | None], lang: str) -> pl.Series:
    return pl.Series(
        [i18n.format_value(v, u, lang) for v, u in zip(values, units, strict=True)],
        dtype=pl.String,
    )


def with_shown_values(name: str, frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """``frame`` with readable columns beside its SI ones (summary and kpis tables)."""
    if name == "summary" and {"mean", "unit"} <= set(frame.columns):
        units = frame["unit"].to_list()
        mean = _shown(frame["mean"].to_list(), units, lang)
        low = _shown(frame["ci_low"].to_list(), units, lang)
        high = _shown(frame["ci_high"].to_list(), units, lang)
        ci = [
            "—" if lo == "—" or hi == "—" else f"[{lo}, {hi}]"
            for lo, hi in zip(low, high, strict=True)
        ]
        at = frame.columns.index("mean") + 1
        frame = frame.insert_column(at, mean.alias("mean_shown"))
        frame = frame.insert_column(frame.columns.index("ci_high") + 1, pl.Series("ci_shown", ci))
    if name == "kpis" and {"kpi", "value"} <= set(frame.columns):
        units = [_unit_of(kpi) for kpi in frame["kpi"].to_list()]
        shown = _shown(frame["value"].to_list(), units, lang).alias("value_shown")
        frame = frame.insert_column(frame.columns.index("value") + 1, shown)
    return frame


def in_language(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """``frame`` with Chinese headers and verdicts when ``lang`` is zh (else unchanged)."""
    if lang != "zh":
        return frame
    if "verdict" in frame.columns:
        frame = frame.with_columns(pl.col("verdict").replace(VERDICTS_ZH))
    names = {c: HEADERS_ZH[c] for c in frame.columns if c in HEADERS_ZH}
    taken = set(frame.columns) - set(names)
    return frame.rename({c: n for c, n in names.items() if n not in taken})
