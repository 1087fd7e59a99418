"""The warnings a run records, in the report's language.

Warnings are free English text in ``manifest.json`` (the terminal and ``summary.md`` show
them as written), so a Chinese report cannot look them up by key. Each warning simdata
emits has a pattern here: a regular expression over the English text whose named groups
(numbers, KPI names, years, paths) are carried into a Chinese template. A warning that
matches no pattern is shown in English with a Chinese lead-in saying it was not translated,
never silently. ``tests/report/test_warning_text.py`` produces every warning the package can
emit and fails when one has no pattern here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class WarningPattern:
    """One kind of warning: where it comes from, its English shape, its Chinese text."""

    source: str
    pattern: re.Pattern[str]
    zh: str


def _p(source: str, regex: str, zh: str) -> WarningPattern:
    return WarningPattern(source, re.compile(regex, re.DOTALL), zh)


#: Every warning simdata writes into a manifest, by the function that writes it.
PATTERNS: tuple[WarningPattern, ...] = (
    _p(
        "model.calendar._year_warning",
        r"calendar: no holiday data for (?P<year>\d+) \(chinese-calendar covers "
        r"(?P<first>\d+)–(?P<last>\d+);.*",
        "日历：缺少 {year} 年的节假日数据（chinese-calendar 覆盖 {first}–{last} 年，"
        "calendar.covered_years 也未列出该年——请用 calendar.holiday_file 补充该年的安排）；"
        "暂按周一至周五为工作日并仅计已列出的节假日。",
    ),
    _p(
        "model.resolution.component",
        r"resolution\.latency_sampling: full would simulate (?P<total>[\d,]+) requests "
        r"\(more than (?P<limit>[\d,]+)\); sampled the peak-hour windows instead",
        "resolution.latency_sampling：full 模式需模拟 {total} 个请求（超过 {limit}），"
        "已改为仅抽样模拟高峰小时时段。",
    ),
    _p(
        "experiments.run.diagnostics.warmup_warnings",
        r"MSER-5 \(White 1997\): resolution\.in_system still drifts in the second half.*",
        "MSER-5（White 1997）：节点内请求数（resolution.in_system）在仿真后半段仍在漂移，"
        "运行可能过短或节点过载——请先延长 run.horizon，再采信时间平均值。",
    ),
    _p(
        "experiments.run.diagnostics.warmup_warnings",
        r"MSER-5 \(White 1997\) suggests a warm-up of at least (?P<cut>[\d.e+-]+) s for "
        r"resolution\.in_system, longer than run\.warmup = (?P<warmup>[\d.e+-]+) s: set "
        r"run\.warmup: '(?P<suggest>\d+) s'(?P<auto> \(or auto\))?",
        "MSER-5（White 1997）建议预热期至少 {cut} 秒（resolution.in_system），"
        "长于当前 run.warmup = {warmup} 秒：请设置 run.warmup: '{suggest} s'{auto}。",
    ),
    _p(
        "experiments.run.diagnostics.bimodal_warnings",
        r"bimodal across replications — read the distribution, not the mean: (?P<kpis>.*)",
        "各次重复的结果分为两组（双峰）——请看分布而非均值：{kpis}",
    ),
    _p(
        "analysis.summary.guard_warnings",
        r"(?P<kpi>\S+) (?P<target>.+?): undecided — too few tail samples — lengthen "
        r"run\.horizon \(median replication: (?P<tail>\d+) values beyond p(?P<q>[\d.]+), "
        r"(?P<needed>\d+) needed\)",
        "{kpi} {target}：待定——尾部样本过少，请延长 run.horizon"
        "（中位重复中超过 p{q} 的值仅 {tail} 个，需要 {needed} 个）。",
    ),
    _p(
        "experiments.capacity.experiment._precision_warnings",
        r"only (?P<distinct>\d+) distinct capacities among (?P<n>\d+) replications.*",
        "{n} 次重复中只有 {distinct} 个不同的容量值：置信区间反映的是搜索的分辨率，"
        "而非节点本身的波动（全部相同时不给出置信区间）；请缩短计量时段或增加重复次数。",
    ),
    _p(
        "experiments.capacity.network._search",
        r"the first node to break differs between replications: (?P<nodes>.*)",
        "各次重复中最先违反 SLA 的节点不同（节点及次数）：{nodes}。",
    ),
    _p(
        "experiments.compare._provenance",
        r"(?P<label>.+?): root seed (?P<seed>\d+) is not the base's (?P<base>\d+): no common "
        r"random numbers.*",
        "{label}：根随机种子 {seed} 与基准方案的 {base} 不同，没有公共随机数，"
        "因此其差值按 Welch 检验（非配对，置信区间更宽）。",
    ),
    _p(
        "experiments.sweep.runner.finish",
        r"(?P<kpi>\S+): not produced by any run \(check the name\)",
        "{kpi}：没有任何一次运行产生该指标（请检查指标名称）。",
    ),
    _p(
        "experiments.sweep.runner._indices",
        r"(?P<kpi>\S+): undefined at some points; no indices computed",
        "{kpi}：在部分参数点上无定义，未计算敏感性指数。",
    ),
    _p(
        "experiments.sweep.runner._indices",
        r"(?P<kpi>\S+): the same at every point; no indices computed",
        "{kpi}：在所有参数点上取值相同，未计算敏感性指数。",
    ),
    _p(
        "experiments.sweep.runner._indices",
        r"(?P<kpi>\S+): SALib: (?P<message>.*)",
        "{kpi}：SALib 计算敏感性指数时提示（原文）：{message}",
    ),
)


#: Chinese characters (a translated warning has some).
CJK_RE = re.compile(r"[\u3400-\u9fff]")


def translate_warning(warning: str, lang: str) -> str:
    """``warning`` in ``lang``: as written in English; in Chinese from its pattern, or the
    English text behind a lead-in that says so when no pattern matches."""
    if lang != "zh":
        return warning
    found = match_warning(warning)
    if found is None:
        return f"警告（未翻译原文）：{warning}"
    pattern, match = found
    fields = {key: value or "" for key, value in match.groupdict().items()}
    if "auto" in fields:
        fields["auto"] = "（或 auto）" if fields["auto"] else ""
    return pattern.zh.format(**fields)


def match_warning(warning: str) -> tuple[WarningPattern, re.Match[str]] | None:
    """The first pattern that matches the whole ``warning``, with its match."""
    for pattern in PATTERNS:
        match = pattern.pattern.fullmatch(warning.strip())
        if match is not None:
            return pattern, match
    return None
