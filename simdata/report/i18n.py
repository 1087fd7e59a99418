"""Every word a report shows, in English and Chinese, kept in one place.

Reports are read by planners in both languages, so nothing in the templates or plots is
written inline: headings, captions, axis labels, verdicts, KPI names and breakdown
dimensions all come from here. KPI names come from the registry (``Kpi.label_zh``);
breakdown suffixes (``@kind=enterprise``) are translated dimension by dimension. A test
fails when an entry lacks its Chinese text.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
from simdata.report.backtest_text import BACKTEST_TEXT
from simdata.report.network_text import NETWORK_TEXT
from simdata.report.numbers import plain_number
from simdata.report.optimize_text import OPTIMIZE_TEXT
from simdata.scenario.units import DAY_S, HOUR_S, MINUTE_S

LANGS = ("en", "zh")
VERDICTS = ("pass", "fail", "undecided")

#: Headings, labels, captions: key → {lang → text}. ``{name}`` fields are filled by callers.
TEXT: dict[str, dict[str, str]] = {
    # page
    "report": {"en": "simdata report", "zh": "simdata 仿真报告"},
    "kind.run": {"en": "Run", "zh": "仿真运行"},
    "kind.capacity": {"en": "Capacity search", "zh": "容量搜索"},
    "kind.sweep": {"en": "Parameter sweep", "zh": "参数扫描"},
    "kind.compare": {"en": "Comparison of variants", "zh": "方案对比"},
    "headline": {"en": "Verdicts", "zh": "目标判定"},
    "headline.none": {
        "en": "The scenario sets no targets, so there is nothing to judge.",
        "zh": "本情景未设定目标，无需判定。",
    },
    "headline.elsewhere": {
        "en": "The scenario sets {count} target(s); they are judged for each run or point "
        "in the tables below, not once for the whole page.",
        "zh": "本情景设定了{count}个目标；判定结果按各次运行或各参数点列于下方表格。",
    },
    "headline.rule": {
        "en": "pass: the whole 95% CI meets the target; fail: none of it does; "
        "undecided: the CI straddles the target (add replications).",
        "zh": "通过：95%置信区间全部满足目标；未通过：全部不满足；"
        "待定：置信区间跨越目标值（需增加重复次数）。",
    },
    "kpis": {"en": "Key performance indicators", "zh": "关键绩效指标"},
    "kpis.note": {
        "en": "Mean over replications with its 95% confidence interval (t corrected for "
        "skewness); quantiles pooled over replications with a sectioning interval; n counts "
        "the replications where the KPI is defined.",
        "zh": "各次重复的均值及其95%置信区间（经偏度校正的t区间）；分位数指标为全部重复"
        "汇总后的分位数及分段置信区间；n为该指标有定义的重复次数。",
    },
    "col.kpi": {"en": "KPI", "zh": "指标"},
    "col.mean": {"en": "mean", "zh": "均值"},
    "col.ci": {"en": "95% CI", "zh": "95%置信区间"},
    "col.n": {"en": "n", "zh": "样本数"},
    "col.unit": {"en": "unit", "zh": "单位"},
    "col.target": {"en": "target", "zh": "目标"},
    "col.verdict": {"en": "verdict", "zh": "判定"},
    "col.parameter": {"en": "parameter", "zh": "参数"},
    "col.value": {"en": "value", "zh": "取值"},
    "col.index": {"en": "index", "zh": "指数"},
    "scenario": {"en": "Scenario", "zh": "情景"},
    "scenario.name": {"en": "name", "zh": "名称"},
    "scenario.description": {"en": "description", "zh": "说明"},
    "scenario.parameters": {"en": "Key parameters", "zh": "关键参数"},
    "scenario.resolved": {
        "en": "Resolved scenario (scenario.yaml)",
        "zh": "完整情景（scenario.yaml）",
    },
    "scenario.missing": {
        "en": "This results directory has no scenario.yaml.",
        "zh": "该结果目录中没有 scenario.yaml。",
    },
    "provenance": {"en": "Provenance", "zh": "运行信息"},
    "prov.seed": {"en": "root seed", "zh": "根随机种子"},
    "prov.replications": {"en": "replications", "zh": "重复次数"},
    "prov.version": {"en": "simdata version", "zh": "simdata 版本"},
    "prov.commit": {"en": "git commit", "zh": "git 提交"},
    "prov.dirty": {"en": "(uncommitted changes)", "zh": "（含未提交修改）"},
    "prov.started": {"en": "started (UTC)", "zh": "开始时间（UTC）"},
    "prov.finished": {"en": "finished (UTC)", "zh": "结束时间（UTC）"},
    "prov.status": {"en": "status", "zh": "状态"},
    "prov.command": {"en": "command", "zh": "命令"},
    "prov.sha": {"en": "scenario sha256", "zh": "情景 sha256"},
    "prov.warmup": {"en": "warm-up", "zh": "预热期"},
    "prov.warmup_auto": {
        "en": "auto (MSER-5), median {median}, range [{low}, {high}]",
        "zh": "自动（MSER-5），中位数 {median}，范围 [{low}, {high}]",
    },
    "prov.warnings": {"en": "Warnings", "zh": "警告"},
    "prov.no_warnings": {"en": "none", "zh": "无"},
    "status.complete": {"en": "complete", "zh": "已完成"},
    "status.running": {
        "en": "running (or stopped without finishing)",
        "zh": "运行中（或未正常结束）",
    },
    "status.partial": {"en": "partial", "zh": "部分完成"},
    "status.failed": {"en": "failed", "zh": "失败"},
    "status.interrupted": {"en": "interrupted", "zh": "已中断"},
    "status.incomplete": {
        "en": "This results directory is not complete (status: {status}); "
        "read its numbers with care.",
        "zh": "该结果目录未完整结束（状态：{status}），请谨慎解读其中的数字。",
    },
    "figures": {"en": "Figures", "zh": "图表"},
    "font.missing": {
        "en": "No CJK font was found: Chinese text in the figures may show as empty boxes. "
        "Install fonts-noto-cjk (or any Noto Sans CJK / Source Han Sans font).",
        "zh": "未找到中文字体：图中的中文可能显示为方框。"
        "请安装 fonts-noto-cjk（或任一 Noto Sans CJK / 思源黑体字体）。",
    },
    "footer": {
        "en": "Built by simdata {version} from {path} on {date}. "
        "This file is self-contained and readable offline.",
        "zh": "由 simdata {version} 根据 {path} 于 {date} 生成。本文件自包含，可离线阅读。",
    },
    "capacity.result": {"en": "Capacity", "zh": "容量结论"},
    "capacity.found": {
        "en": "The node carries {capacity} within its SLA ({sla}); 95% CI {low} – {high}; "
        "conservative value {conservative}.",
        "zh": "节点在满足SLA（{sla}）的前提下可承载 {capacity}；95%置信区间 {low} – {high}；"
        "保守取值 {conservative}。",
    },
    "capacity.mix": {
        "en": "At capacity: {resolutions} resolutions and {writes} registration writes "
        "(write share {share}; {low} – {high} across replications).",
        "zh": "容量处：解析 {resolutions}，注册写入 {writes}（写入占比 {share}；"
        "各次重复间 {low} – {high}）。",
    },
    "capacity.design_day": {
        "en": "Design day: {rule} ({dates}); its write share is averaged over the days of "
        "its type among the {days} days of the mix window.",
        "zh": "设计日：{rule}（{dates}）；写入占比取混合窗口 {days} 天内同类型日的平均值。",
    },
    "capacity.rule.busiest": {
        "en": "the busiest of the last {days} days",
        "zh": "最后 {days} 天中请求最多的一天",
    },
    "capacity.rule.final": {"en": "the final simulated day", "zh": "模拟的最后一天"},
    "capacity.rule.date": {"en": "{date}", "zh": "{date}"},
    "capacity.below_range": {
        "en": "Even the lowest load searched breaks the SLA ({sla}).",
        "zh": "即使在搜索范围内的最低负载下也无法满足SLA（{sla}）。",
    },
    "capacity.above_range": {
        "en": "Even the highest load searched meets the SLA ({sla}): the capacity is above "
        "the range searched.",
        "zh": "在搜索范围内的最高负载下仍满足SLA（{sla}）：容量高于搜索范围。",
    },
    "sweep.indices": {"en": "Sensitivity indices", "zh": "敏感性指数"},
    "compare.table": {"en": "Differences from the base", "zh": "与基准方案的差值"},
    "compare.note": {
        "en": "Difference variant − base with its 95% CI (unadjusted): paired on replications "
        "when the runs share their root seed, Welch's t otherwise. “better?” is decided with "
        "Holm's correction at α = {alpha} across {family} differences — KPIs with a target or "
        "without a breakdown, over every variant — so that with no true difference anywhere "
        "at most 5% of comparisons mark anything better or worse. Breakdowns outside that "
        "family get no mark; conditional KPIs (over a subset the variant changes, such as "
        "delivered requests or qualified enterprises) never do.",
        "zh": "差值为方案 − 基准及其95%置信区间（未校正）：两次运行随机种子相同时按重复配对，"
        "否则用Welch t检验。“是否更优”以Holm校正（α = {alpha}）在{family}个差值上判定——"
        "有目标的指标和无细分的指标，覆盖全部方案——因此在确无差异时，至多5%的对比会标出"
        "“更优”或“更差”。该族之外的细分指标不作标记；条件指标（统计对象子集随方案变化，"
        "如已交付请求、已达标企业）从不标记。",
    },
    "col.p_holm": {"en": "p (Holm)", "zh": "p值（Holm校正）"},
    "col.variant": {"en": "variant", "zh": "方案"},
    "col.diff": {"en": "difference (variant − base)", "zh": "差值（方案 − 基准）"},
    "col.pairs": {"en": "pairs", "zh": "配对数"},
    "col.better": {"en": "better?", "zh": "是否更优"},
    "better.true": {"en": "better", "zh": "更优"},
    "better.false": {"en": "worse", "zh": "更差"},
    "better.none": {"en": "no clear difference", "zh": "无明显差异"},
    "better.na": {"en": "no better direction", "zh": "无优劣方向"},
    "better.outside": {"en": "— (breakdown, not tested)", "zh": "—（细分指标，未检验）"},
    "better.conditional": {
        "en": "— (conditional: over a subset the variant changes)",
        "zh": "—（条件指标：统计子集随方案变化）",
    },
    # verdicts
    "verdict.pass": {"en": "pass", "zh": "通过"},
    "verdict.fail": {"en": "fail", "zh": "未通过"},
    "verdict.undecided": {"en": "undecided", "zh": "待定"},
    "note.tail": {
        "en": "too few tail samples — lengthen run.horizon",
        "zh": "尾部样本过少——请延长 run.horizon",
    },
    # common plot words
    "mean": {"en": "mean", "zh": "均值"},
    "ci95": {"en": "95% CI", "zh": "95%置信区间"},
    "replications_band": {"en": "95% CI across replications", "zh": "各次重复的95%置信区间"},
    "date": {"en": "date", "zh": "日期"},
    "sla": {"en": "SLA", "zh": "SLA"},
    "no_time_limit": {"en": "no time limit", "zh": "无办理时限"},
    "busiest.named": {
        "en": "Busiest department: {name} (busiest in {share} of {resamples} bootstrap "
        "resamples of the replications).",
        "zh": "最忙部门：{name}（在{resamples}次重复抽样中{share}为最忙）。",
    },
    "busiest.none": {
        "en": "No department stands out: the highest mean, {name}, is busiest in only {share} "
        "of {resamples} bootstrap resamples of the replications (95% needed).",
        "zh": "没有明显最忙的部门：均值最高的{name}仅在{resamples}次重复抽样中{share}为最忙"
        "（需95%）。",
    },
    "target": {"en": "target", "zh": "目标"},
    "deadline": {"en": "deadline", "zh": "截止日期"},
    "elapsed_days": {"en": "elapsed time (days)", "zh": "自然日时长（天）"},
    "working_days": {"en": "working days", "zh": "工作日"},
    "share_pct": {"en": "share (%)", "zh": "占比（%）"},
    "utilisation_pct": {"en": "utilisation (%)", "zh": "利用率（%）"},
    "requests": {"en": "requests", "zh": "请求数"},
    "requests_per_week": {"en": "requests per week", "zh": "每周请求数"},
    "identifiers": {"en": "identifiers registered", "zh": "已注册标识数"},
    "resolutions_per_day": {"en": "resolutions per day", "zh": "每日解析量"},
    "enterprises": {"en": "enterprises", "zh": "企业数"},
    "latency_ms": {"en": "latency (ms)", "zh": "时延（毫秒）"},
    "cumulative_share": {
        "en": "share of requests at or below (%)",
        "zh": "不超过该时延的请求占比（%）",
    },
    "load_per_s": {"en": "offered load (resolutions per second)", "zh": "负载（每秒解析次数）"},
    "load_with_writes_per_s": {
        "en": "offered load (resolutions + registration writes per second)",
        "zh": "负载（每秒解析次数 + 注册写入次数）",
    },
    "load_averaged": {
        "en": "{q} — mean load over replications at each latency (crosses the SLA at the capacity)",
        "zh": "{q}——各时延下各次重复负载的均值（与SLA线交于容量处）",
    },
    "p50": {"en": "p50 (median)", "zh": "p50（中位数）"},
    "p90": {"en": "p90", "zh": "p90"},
    "p99": {"en": "p99", "zh": "p99"},
    "each_replication": {"en": "each replication", "zh": "各次重复"},
    "mean_shared_loads": {"en": "mean at shared loads", "zh": "共有负载处的均值"},
    "pooled_shared_loads": {"en": "all replications pooled", "zh": "全部重复汇总"},
    "capacity": {"en": "capacity", "zh": "容量"},
    "index_value": {"en": "index (share of variance)", "zh": "指数（方差占比）"},
    "s1": {"en": "S1 (first order)", "zh": "S1（一阶）"},
    "st": {"en": "ST (total)", "zh": "ST（总效应）"},
    "near_zero": {"en": "≈ 0", "zh": "≈ 0"},
    "noise_lever": {"en": "(noise)", "zh": "（噪声）"},
    "near_zero.note": {
        "en": "≈ 0: not above (noise), the noise-only reference lever, at 95%.",
        "zh": "≈ 0：在 95% 置信水平下不高于仅含噪声的参照参数（噪声）。",
    },
    "mu_star": {"en": "μ* (mean |elementary effect|)", "zh": "μ*（基本效应绝对值均值）"},
    "sigma": {"en": "σ (spread of effects)", "zh": "σ（效应离散度）"},
    "low_half": {"en": "parameter in its lowest quarter", "zh": "参数处于最低四分之一"},
    "high_half": {"en": "parameter in its highest quarter", "zh": "参数处于最高四分之一"},
    "difference": {"en": "difference, variant − base", "zh": "差值（方案 − 基准）"},
    "stage.arrived": {"en": "arrived", "zh": "到达"},
    "stage.delivered": {"en": "delivered", "zh": "已交付"},
    "stage.rejected": {"en": "rejected", "zh": "被驳回"},
    "stage.abandoned": {"en": "abandoned", "zh": "已放弃"},
    "stage.open": {"en": "open at the horizon", "zh": "期末未办结"},
    "series.arrivals": {"en": "arrivals", "zh": "到达"},
    "series.completions": {"en": "completions", "zh": "办结"},
    "series.backlog": {"en": "backlog (end of day)", "zh": "积压（日末）"},
    "node_total": {"en": "node total", "zh": "节点总量"},
    "replication_0": {"en": "replication 1", "zh": "第1次重复"},
    "threshold": {"en": "subsidy threshold", "zh": "奖补门槛"},
    "qualified": {"en": "enterprises qualified", "zh": "达标企业数"},
    "resource.reviewers_mean": {"en": "reviewers (mean)", "zh": "审核人员（平均）"},
    "resource.reviewers_max": {"en": "reviewers (busiest dept.)", "zh": "审核人员（最忙部门）"},
    "resource.sandbox": {"en": "sandbox slots", "zh": "沙箱"},
    "resource.analysts": {"en": "analysts", "zh": "分析师"},
    "resource.node": {"en": "node servers (peak hour)", "zh": "节点服务器（高峰小时）"},
    "condition.registrations": {"en": "≥ registrations", "zh": "注册量达标"},
    "condition.resolutions": {"en": "≥ daily resolutions", "zh": "日均解析量达标"},
    "condition.cases": {"en": "≥ innovative cases", "zh": "创新应用达标"},
    # plot titles
    "title.time_to_data": {
        "en": "Time to data by requester kind and channel",
        "zh": "按请求方类型与渠道的数据获取时长",
    },
    "title.flow": {
        "en": "Arrivals, completions and backlog over time",
        "zh": "到达、办结与积压随时间变化",
    },
    "title.utilisation": {
        "en": "Utilisation of reviewers, sandbox and analysts",
        "zh": "审核人员、沙箱与分析师利用率",
    },
    "title.funnel": {"en": "Request funnel", "zh": "请求流转漏斗"},
    "title.registrations": {"en": "Cumulative identifier registrations", "zh": "标识累计注册量"},
    "title.resolutions": {
        "en": "Daily resolutions (window mean), largest enterprises",
        "zh": "最大企业的日均解析量（窗口均值）",
    },
    "title.qualified": {
        "en": "Enterprises qualified for the subsidy over time",
        "zh": "达标企业数随时间变化",
    },
    "title.conditions": {
        "en": "Enterprises on the node that did not qualify, by the condition they miss",
        "zh": "未达标企业（占接入企业）未满足的条件",
    },
    "title.latency_cdf": {"en": "Resolution latency distribution", "zh": "解析时延分布"},
    "title.node_utilisation": {
        "en": "Peak-hour utilisation of the node",
        "zh": "节点高峰小时利用率",
    },
    "title.in_system": {"en": "Requests in the node over time", "zh": "节点内请求数随时间变化"},
    "caption.in_system": {
        "en": "Requests in the node (waiting or in service) per replication (thin lines) "
        "and their mean with 95% CI; the grey shading is the warm-up, simulated but not "
        "measured — the mean should be level after it.",
        "zh": "节点内请求数（排队或服务中）：各次重复（细线）及其均值与95%置信区间；"
        "灰色阴影为预热期（参与仿真但不计入统计）——预热期后均值应保持平稳。",
    },
    "warmup.fixed": {"en": "warm-up (not measured)", "zh": "预热期（不计入统计）"},
    "warmup.range": {
        "en": "warm-up cut range across replications (MSER-5)",
        "zh": "各次重复的预热截断范围（MSER-5）",
    },
    "warmup.median": {"en": "median warm-up cut", "zh": "预热截断中位数"},
    "sim_time": {"en": "simulated time ({unit})", "zh": "仿真时间（{unit}）"},
    "in_system": {"en": "requests in the node", "zh": "节点内请求数"},
    "title.capacity": {"en": "Load vs latency", "zh": "负载与时延"},
    "title.sobol": {"en": "Sobol indices of {kpi}", "zh": "{kpi}的Sobol指数"},
    "title.morris": {"en": "Morris screening of {kpi}", "zh": "{kpi}的Morris筛选"},
    "title.tornado": {"en": "Tornado of {kpi}", "zh": "{kpi}的龙卷风图"},
    "title.forest": {"en": "Paired differences from the base", "zh": "相对基准的配对差值"},
    # captions: one sentence saying what to read
    "caption.time_to_data": {
        "en": "Dots are the mean over replications of each group's median and 90th percentile "
        "(bars: 95% CI); a working-day p90 right of the dashed SLA line means that group "
        "waits longer than the limit. The development channel has no time limit: no line.",
        "zh": "圆点为各组中位数和第90百分位在各次重复上的均值（误差线为95%置信区间）；"
        "工作日p90位于SLA虚线右侧，说明该组等待超过时限。开发利用渠道无办理时限，不画时限线。",
    },
    "caption.flow": {
        "en": "Lines are the mean over replications and shaded bands their 95% CI; a backlog "
        "that keeps rising means completions do not keep up with arrivals.",
        "zh": "曲线为各次重复的均值，阴影为95%置信区间；积压持续上升说明办结跟不上到达。",
    },
    "caption.utilisation": {
        "en": "Bars are mean utilisation with 95% CI whiskers; a resource near 100% is the "
        "bottleneck to staff first.",
        "zh": "柱为平均利用率，误差线为95%置信区间；接近100%的资源是应优先增配的瓶颈。",
    },
    "caption.funnel": {
        "en": "Requests that arrived in the measured window and how they ended (mean with 95% "
        "CI); a large rejected or abandoned bar shows where demand is lost.",
        "zh": "统计期内到达的请求及其结果（均值与95%置信区间）；驳回或放弃占比大说明需求在此流失。",
    },
    "caption.registrations": {
        "en": "Left: the largest enterprises of replication 1 against the 100,000-identifier "
        "line; right: the node total with its 95% CI band across replications.",
        "zh": "左：第1次重复中规模最大的企业与10万标识线的对比；"
        "右：节点总量及各次重复的95%置信区间。",
    },
    "caption.resolutions": {
        "en": "Each line is one large enterprise's resolutions per day averaged over the "
        "subsidy window (replication 1); it qualifies on this condition above the dashed line.",
        "zh": "每条曲线为一家大型企业在奖补考核窗口内的日均解析量（第1次重复）；"
        "高于虚线即满足该条件。",
    },
    "caption.qualified": {
        "en": "Mean number of qualified enterprises with its 95% CI band; where the band "
        "stands at the deadline against the target decides the verdict.",
        "zh": "达标企业数均值及其95%置信区间；截止日期时置信带相对目标线的位置决定判定结果。",
    },
    "caption.conditions": {
        "en": "Among enterprises that did not qualify, the share failing each condition on "
        "the deadline (95% CI); the longest bar is the condition that binds.",
        "zh": "未达标企业中，截止日期时未满足各条件的占比（95%置信区间）；最长的柱即主要制约条件。",
    },
    "caption.latency_cdf": {
        "en": "Latency distribution of each replication (thin lines) with the median, 99th "
        "percentile and share within the SLA threshold (95% CI bars); the SLA holds when the "
        "curves reach its quantile left of the dashed line.",
        "zh": "各次重复的时延分布（细线）及中位数、第99百分位与SLA阈值内占比"
        "（误差线为95%置信区间）；曲线在虚线左侧达到规定分位数即满足SLA。",
    },
    "caption.node_utilisation": {
        "en": "Share of server time busy in the sampled peak hours, per replication (dots) "
        "and mean with 95% CI; high utilisation is where latency grows fast.",
        "zh": "抽样高峰小时内服务器繁忙时间占比：各次重复（圆点）及均值与95%置信区间；"
        "利用率高时时延迅速上升。",
    },
    "caption.capacity": {
        "en": "Thin lines are each replication's latency quantiles at the loads its search "
        "evaluated; dots are the quantiles of all replications pooled at the loads every "
        "replication shares, shaded with their 95% CI. The dark line averages the "
        "replications' loads at each latency of the SLA's quantile, so it crosses the "
        "dashed SLA line at the reported capacity: the green diamond, with its 95% CI as "
        "whiskers and shading.",
        "zh": "细线为各次重复在其搜索所评估负载下的时延分位数；圆点为所有重复共有负载处"
        "汇总全部重复后的分位数，阴影为其95%置信区间。深色线在SLA所规定分位数的每个时延上"
        "对各次重复的负载取均值，因此与SLA虚线恰交于报告的容量：绿色菱形，"
        "误差线和绿色阴影为其95%置信区间。",
    },
    "caption.sobol": {
        "en": "Parameters sorted by total effect ST with 95% CI bars; those marked ≈ 0 can be "
        "fixed at any plausible value without changing the KPI.",
        "zh": "参数按总效应ST排序，误差线为95%置信区间；"
        "标记为≈ 0的参数可取任意合理值而不影响指标。",
    },
    "caption.morris": {
        "en": "Parameters to the right matter most; high σ relative to μ* means the effect "
        "depends on other parameters (interaction or non-linearity).",
        "zh": "越靠右的参数影响越大；σ相对μ*较高说明其效应依赖其他参数（交互或非线性）。",
    },
    "caption.tornado": {
        "en": "Mean KPI when each parameter is in its lowest versus highest quarter of the "
        "sweep; the widest bars are the levers that move the KPI most.",
        "zh": "各参数处于扫描范围最低与最高四分之一时的指标均值；最宽的柱即对指标影响最大的杠杆。",
    },
    "noise.low": {
        "en": "Replication noise: {share} of this KPI's variation across runs lies within "
        "points, so the figure shows the parameters' effect.",
        "zh": "重复噪声：该指标在各次运行间的变异中有{share}来自同一参数点内部，"
        "图中反映的是参数的影响。",
    },
    "noise.high": {
        "en": "Replication noise: {share} of this KPI's variation across runs lies within "
        "points, so the figure mostly shows noise; add replications or widen the ranges "
        "before reading it.",
        "zh": "重复噪声：该指标在各次运行间的变异中有{share}来自同一参数点内部，图中以噪声为主；"
        "解读前请增加重复次数或扩大参数范围。",
    },
    "noise.unknown": {
        "en": "Replication noise not measured (one replication per point).",
        "zh": "未测得重复噪声（每个参数点仅一次重复）。",
    },
    "caption.forest": {
        "en": "Each variant's paired difference from the base per KPI with its 95% CI; an "
        "interval clear of zero is a real difference, not noise.",
        "zh": "各方案相对基准的配对差值及95%置信区间；不跨越零的区间表示真实差异而非随机波动。",
    },
}

TEXT.update(OPTIMIZE_TEXT)  # simdata optimize's page (report/optimize_page.py)
TEXT.update(BACKTEST_TEXT)  # simdata backtest's page (report/backtest_page.py)
TEXT.update(NETWORK_TEXT)  # a network run's section (report/network_page.py)

#: Breakdown dimensions (``@<dimension>=…``).
DIMENSIONS: dict[str, dict[str, str]] = {
    "kind": {"en": "requester kind", "zh": "请求方类型"},
    "channel": {"en": "channel", "zh": "渠道"},
    "department": {"en": "department", "zh": "部门"},
    "window": {"en": "window", "zh": "时段"},
    "condition": {"en": "condition", "zh": "条件"},
    "year": {"en": "year", "zh": "年份"},
    "quarter": {"en": "by the end of quarter", "zh": "截至季度末"},
    "month": {"en": "by the end of month", "zh": "截至月末"},
    "date": {"en": "by the end of", "zh": "截至日期"},
    "at": {"en": "judged at", "zh": "判定时点"},
    "node": {"en": "node", "zh": "节点"},
    "province": {"en": "province", "zh": "省份"},
}

#: Breakdown values with a translation; free names (departments, years) are shown as is.
VALUES: dict[str, dict[str, str]] = {
    "government": {"en": "government", "zh": "政府部门"},
    "enterprise": {"en": "enterprise", "zh": "企业"},
    "research": {"en": "research", "zh": "科研机构"},
    "social": {"en": "social organisation", "zh": "社会组织"},
    "sharing": {"en": "sharing", "zh": "共享"},
    "opening": {"en": "opening", "zh": "开放"},
    "development": {"en": "development", "zh": "授权开发"},
    "peak_hour": {"en": "peak hour", "zh": "高峰小时"},
    "registrations": {"en": "registrations", "zh": "注册量"},
    "resolutions": {"en": "resolutions", "zh": "解析量"},
    "cases": {"en": "cases", "zh": "创新应用"},
    "horizon": {"en": "horizon", "zh": "期末"},
}
#: Dimensions whose values are names from the scenario (not translated).
FREE_DIMENSIONS = ("department", "year", "quarter", "month", "date", "node", "province")

#: Units as shown next to numbers.
UNIT_WORDS: dict[str, dict[str, str]] = {
    "s": {"en": "s", "zh": "秒"},
    "1/s": {"en": "per second", "zh": "次/秒"},
    "fraction": {"en": "%", "zh": "%"},
    "count": {"en": "count", "zh": "个"},
    "workday": {"en": "working days", "zh": "工作日"},
    "yuan": {"en": "yuan", "zh": "元"},
    "CNY": {"en": "yuan", "zh": "元"},
}
#: Units of money (the registry's unit for outlays): shown as 元, never as a count.
MONEY_UNITS = ("yuan", "CNY")
#: Rates as a suffix right after the number.
RATE_SUFFIX: dict[str, dict[str, str]] = {"1/s": {"en": "/s", "zh": " 次/秒"}}


class DurationUnit(NamedTuple):
    """A unit durations are shown in: its length, its suffix after a value, its axis word."""

    size_s: float
    suffix: dict[str, str]
    word: dict[str, str]


#: The units durations are shown in, largest first (tables, captions and plot axes).
SHOWN_DURATIONS: tuple[DurationUnit, ...] = (
    DurationUnit(DAY_S, {"en": " d", "zh": " 天"}, {"en": "days", "zh": "天"}),
    DurationUnit(HOUR_S, {"en": " h", "zh": " 小时"}, {"en": "hours", "zh": "小时"}),
    DurationUnit(MINUTE_S, {"en": " min", "zh": " 分钟"}, {"en": "minutes", "zh": "分钟"}),
    DurationUnit(1.0, {"en": " s", "zh": " 秒"}, {"en": "s", "zh": "秒"}),
    DurationUnit(1e-3, {"en": " ms", "zh": " 毫秒"}, {"en": "ms", "zh": "毫秒"}),
    DurationUnit(1e-6, {"en": " µs", "zh": " 微秒"}, {"en": "µs", "zh": "微秒"}),
)
#: Down to seconds: a value of at least 1 s reads in the largest of these that fits.
_WHOLE = SHOWN_DURATIONS[:4]
_MILLISECOND, _MICROSECOND = SHOWN_DURATIONS[4:]


def text(key: str, lang: str, **fields: object) -> str:
    """The text of ``key`` in ``lang`` with ``{fields}`` filled in."""
    entry = TEXT[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**fields) if fields else template


def status_label(status: str, lang: str) -> str:
    """A manifest ``status`` in ``lang`` (an unknown one as written)."""
    return text(f"status.{status}", lang) if f"status.{status}" in TEXT else status


def verdict_label(verdict: str, lang: str) -> str:
    return text(f"verdict.{verdict}", lang) if verdict in VERDICTS else verdict


def breakdown_label(dimension: str, value: str, lang: str) -> str:
    """``kind=enterprise`` → ``requester kind: enterprise`` / ``请求方类型：企业``."""
    dim = DIMENSIONS.get(dimension, {}).get(lang, dimension)
    shown = VALUES.get(value, {}).get(lang, value)
    if lang == "zh" and dimension == "year":
        shown = f"{value}年"
    return f"{dim}：{shown}" if lang == "zh" else f"{dim}: {shown}"


def kpi_label(name: str, lang: str) -> str:
    """A KPI as planners read it: the registry's Chinese label in zh, the name in en."""
    parsed = kpi_names.parse(name)
    kpi = REGISTRY.get(parsed.base)
    head = kpi.label_zh if (lang == "zh" and kpi is not None) else parsed.base
    if not parsed.breakdowns:
        return head
    inner = ", ".join(breakdown_label(d, v, lang) for d, v in parsed.breakdowns.items())
    return f"{head}（{inner}）" if lang == "zh" else f"{head} ({inner})"


def missing_translations(names: list[str]) -> list[str]:
    """KPI names, breakdowns and text keys that would fall back to English in zh."""
    missing = [key for key, entry in TEXT.items() if not entry.get("zh") or not entry.get("en")]
    for name in names:
        parsed = kpi_names.parse(name)
        kpi = REGISTRY.get(parsed.base)
        if kpi is None or not _has_cjk(kpi.label_zh):
            missing.append(name)
        for dimension, value in parsed.breakdowns.items():
            if dimension not in DIMENSIONS:
                missing.append(f"@{dimension}")
            elif dimension not in FREE_DIMENSIONS and value not in VALUES:
                missing.append(f"@{dimension}={value}")
    return missing


_CJK = re.compile(r"[\u3400-\u9fff]")


def _has_cjk(value: str) -> bool:
    return bool(_CJK.search(value))


def format_value(value: float | None, unit: str | None, lang: str) -> str:
    """A value for reading: seconds scaled to days…µs, fractions as percent, money in 元,
    large numbers with separators (en) or 万/亿 (zh), never an exponent (files stay SI)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "s":
        magnitude = abs(value)
        for size, suffix, _ in _WHOLE:
            if magnitude >= size:
                return f"{plain_number(value / size, lang)}{suffix[lang]}"
        if magnitude >= 1e-3 or value == 0:
            return f"{plain_number(value * 1e3, lang)}{_MILLISECOND.suffix[lang]}"
        return f"{plain_number(value * 1e6, lang)}{_MICROSECOND.suffix[lang]}"
    if unit == "fraction":
        return f"{plain_number(value * 100, lang)}%"
    if unit in RATE_SUFFIX:
        return f"{plain_number(value, lang)}{RATE_SUFFIX[unit][lang]}"
    if unit in ("workday", *MONEY_UNITS):
        return f"{plain_number(value, lang)} {unit_label(unit, lang)}"
    return plain_number(value, lang)


def unit_label(unit: str | None, lang: str) -> str:
    if unit is None:
        return ""
    return UNIT_WORDS.get(unit, {}).get(lang, unit)


#: ``simdata fit --report`` (report/fit_page.py): the fit page's words.
FIT_TEXT: dict[str, dict[str, str]] = {
    "fit.title": {"en": "Fit of {source}", "zh": "{source} 的拟合结果"},
    "fit.kind": {
        "en": "simdata fit --as {kind} · input analysis",
        "zh": "simdata fit --as {kind} · 输入数据分析",
    },
    "fit.summary": {"en": "The log", "zh": "日志"},
    "fit.fact.source": {"en": "file", "zh": "文件"},
    "fit.fact.sha256": {"en": "sha256", "zh": "sha256 校验值"},
    "fit.fact.kind": {"en": "kind of log", "zh": "日志类型"},
    "fit.fact.base": {"en": "base scenario", "zh": "基准情景"},
    "fit.fact.rows": {"en": "arrivals", "zh": "到达记录"},
    "fit.values": {"en": "Fitted values", "zh": "拟合值"},
    "fit.values.note": {
        "en": "Each value fills one scenario field, written as the fitted scenario writes it, "
        "with its 95% confidence interval and the sample it rests on.",
        "zh": "每个拟合值填入情景的一个字段，写法与拟合情景文件一致，"
        "并给出95%置信区间及所依据的样本量。",
    },
    "fit.values.none": {
        "en": "Nothing could be fitted from this log.",
        "zh": "该日志中没有可拟合的数据。",
    },
    "fit.col.field": {"en": "scenario field", "zh": "情景字段"},
    "fit.col.value": {"en": "fitted value", "zh": "拟合值"},
    "fit.col.how": {"en": "estimate", "zh": "估计方法"},
    "fit.col.rank": {"en": "rank", "zh": "排名"},
    "fit.col.family": {"en": "family", "zh": "分布族"},
    "fit.col.params": {"en": "parameters (95% CI)", "zh": "参数（95%置信区间）"},
    "fit.col.loglik": {"en": "log-likelihood", "zh": "对数似然"},
    "fit.col.aic": {"en": "AIC", "zh": "AIC"},
    "fit.col.delta_aic": {"en": "ΔAIC", "zh": "ΔAIC"},
    "fit.duration": {"en": "Distribution of {field}", "zh": "{field} 的分布"},
    "fit.ranking.note": {
        "en": "Families fitted by maximum likelihood, ranked by AIC (lower is better); "
        "the first is the one the fitted scenario writes.",
        "zh": "各分布族均以极大似然法拟合，按AIC排序（越小越好）；排名第一者即拟合情景所写的分布。",
    },
    "fit.censored.note": {
        "en": "Durations still running when the log ended are right-censored: the plots "
        "compare the fit with the Kaplan–Meier estimate, not with the ended durations alone.",
        "zh": "日志结束时仍未完成的时长作右删失处理：图中与Kaplan–Meier估计比较，"
        "而非仅与已完成的时长比较。",
    },
    "fit.shares": {"en": "Shares", "zh": "比例"},
    "fit.profile": {"en": "Arrival profile", "zh": "到达规律"},
    "fit.scenario": {"en": "Fitted scenario", "zh": "拟合情景"},
    "fit.scenario.show": {"en": "The fitted YAML, as written", "zh": "拟合生成的 YAML 全文"},
    "fit.footer": {
        "en": "Written by simdata {version} (simdata fit --report) on {date}.",
        "zh": "由 simdata {version}（simdata fit --report）于 {date} 生成。",
    },
    "fit.n.days": {"en": "{n} over {days} days", "zh": "{days}天共{n}条"},
    "fit.n.rate": {"en": "{n} requests over {days} workdays", "zh": "{days}个工作日共{n}个申请"},
    "fit.n.weekend": {
        "en": "{weekend} weekend days, {weekdays} weekdays",
        "zh": "周末{weekend}天，工作日{weekdays}天",
    },
    "fit.n.share": {"en": "{hits} of {n}", "zh": "{n}个中{hits}个"},
    "fit.n.duration": {"en": "{n} ({censored} censored)", "zh": "{n}个（其中右删失{censored}个）"},
    "fit.how.rate": {
        "en": "mean per workday, t over daily counts; dispersion var/mean {dispersion}",
        "zh": "每工作日均值，按日计数的t区间；离散度（方差/均值）{dispersion}",
    },
    "fit.how.traffic_rate": {
        "en": "mean over weekdays, t over daily counts",
        "zh": "工作日均值，按日计数的t区间",
    },
    "fit.how.weekend": {
        "en": "weekend over weekday daily mean (log ratio, Welch t)",
        "zh": "周末与工作日日均之比（对数比，Welch t）",
    },
    "fit.how.hourly": {
        "en": "arrivals per hour of day, mean 1; ± the sparsest hour's Poisson half-width",
        "zh": "各小时到达量（均值归一为1）；±为最稀疏小时的泊松半宽",
    },
    "fit.how.share": {"en": "Wilson interval", "zh": "Wilson区间"},
    "fit.how.duration": {
        "en": "censored maximum likelihood, best family by AIC; Wald on log-parameters",
        "zh": "删失极大似然，按AIC选最优分布族；对数参数的Wald区间",
    },
    "fit.per_workday": {"en": "/workday", "zh": " 次/工作日"},
    "fit.family.exponential": {"en": "exponential", "zh": "指数分布"},
    "fit.family.lognormal": {"en": "lognormal", "zh": "对数正态分布"},
    "fit.family.gamma": {"en": "gamma", "zh": "伽马分布"},
    "fit.km_histogram": {"en": "observed (Kaplan–Meier)", "zh": "观测（Kaplan–Meier）"},
    "fit.density_axis": {"en": "density (per {unit})", "zh": "概率密度（每{unit}）"},
    "fit.qq_x": {"en": "{family} quantile ({unit})", "zh": "{family}分位数（{unit}）"},
    "fit.qq_y": {"en": "observed quantile ({unit})", "zh": "观测分位数（{unit}）"},
    "fit.pp_x": {"en": "{family} probability", "zh": "{family}累积概率"},
    "fit.pp_y": {"en": "observed probability (Kaplan–Meier)", "zh": "观测累积概率（Kaplan–Meier）"},
    "fit.hour_axis": {"en": "hour of day", "zh": "时刻（小时）"},
    "fit.per_hour_axis": {"en": "arrivals per hour", "zh": "每小时到达数"},
    "fit.per_day_axis": {"en": "arrivals per day", "zh": "每日到达数"},
    "fit.weekday.0": {"en": "Mon", "zh": "周一"},
    "fit.weekday.1": {"en": "Tue", "zh": "周二"},
    "fit.weekday.2": {"en": "Wed", "zh": "周三"},
    "fit.weekday.3": {"en": "Thu", "zh": "周四"},
    "fit.weekday.4": {"en": "Fri", "zh": "周五"},
    "fit.weekday.5": {"en": "Sat", "zh": "周六"},
    "fit.weekday.6": {"en": "Sun", "zh": "周日"},
    "title.fit_duration": {
        "en": "{field}: observed and fitted ({family} chosen)",
        "zh": "{field}：观测与拟合（选定{family}）",
    },
    "caption.fit_duration": {
        "en": "Left: the observed distribution (bars, Kaplan–Meier up to its 99th percentile) "
        "and each family's fitted density (the chosen one solid). Middle and right: Q–Q and "
        "P–P plots of the chosen family; points on the dotted diagonal mean it fits, a bend "
        "at the right of the Q–Q plot is a tail it gets wrong.",
        "zh": "左：观测分布（柱形，Kaplan–Meier估计，截至第99百分位）与各分布族的拟合密度"
        "（实线为选定的分布族）。中、右：选定分布族的Q–Q图与P–P图；点落在虚线对角线上表示"
        "拟合良好，Q–Q图右端弯离对角线说明尾部拟合不佳。",
    },
    "title.fit_profile": {
        "en": "Arrivals by hour of day and by day of week",
        "zh": "按时刻与星期的到达量",
    },
    "caption.fit_profile": {
        "en": "Mean arrivals per hour of day and per day of week over the log's {days} days "
        "({n} arrivals), with the 95% CI over days (weekdays and weekends as strata; over "
        "weeks for a day of the week).",
        "zh": "日志{days}天内（共{n}次到达）每小时与每个星期几的平均到达数，"
        "阴影为按日（工作日与周末分层；星期几按周）计算的95%置信区间。",
    },
    "fit.col.gof_p": {"en": "GoF p-value", "zh": "拟合优度p值"},
    "fit.col.gof_stat": {"en": "A²", "zh": "A²统计量"},
    "fit.gof.note": {
        "en": "Goodness of fit: {method}, on {n} rows ({censored} censored), {replicates} "
        "bootstrap samples; a small p-value says the family does not describe the data.",
        "zh": "拟合优度检验：{method}，检验{n}条（其中右删失{censored}条），"
        "自助抽样{replicates}次；"
        "p值很小说明该分布族不能描述数据。",
    },
    "fit.counts": {"en": "Arrival counts per workday", "zh": "每工作日到达数"},
    "fit.counts.note": {
        "en": "Count regression of daily arrivals with day-type effects (simdata's calendar: "
        "调休 days count as workdays), the overdispersion test, and whether arrivals are "
        "uniform over office hours, as the model assumes.",
        "zh": "按日到达数的计数回归（含日类型效应，采用simdata日历：调休日计为工作日）、"
        "过度离散检验，以及到达在办公时间内是否均匀（模型的假设）。",
    },
    "fit.col.kind": {"en": "requester kind", "zh": "申请方类型"},
    "fit.col.count_model": {"en": "count model", "zh": "计数模型"},
    "fit.col.count_rate": {
        "en": "rate per workday (95% CI)",
        "zh": "每工作日到达率（95%置信区间）",
    },
    "fit.col.alpha": {"en": "dispersion α", "zh": "离散参数α"},
    "fit.col.overdispersion_p": {"en": "overdispersion p", "zh": "过度离散检验p值"},
    "fit.col.effects": {"en": "day-type factors (95% CI)", "zh": "日类型系数（95%置信区间）"},
    "fit.col.office_share": {"en": "share in office hours", "zh": "办公时间内占比"},
    "fit.col.uniform_p": {"en": "uniform over office hours p", "zh": "办公时间内均匀检验p值"},
    "fit.count.poisson": {"en": "Poisson", "zh": "泊松"},
    "fit.count.negative_binomial": {"en": "negative binomial", "zh": "负二项"},
    "fit.day_type.after_break": {"en": "after a break", "zh": "假后首日"},
    "fit.day_type.makeup": {"en": "调休 makeup day", "zh": "调休补班日"},
    "fit.family.poisson-growth": {"en": "Poisson with growth", "zh": "带增长的泊松过程"},
    "fit.family.poisson": {"en": "Poisson", "zh": "泊松过程"},
    "fit.family.bass": {"en": "Bass diffusion", "zh": "Bass扩散模型"},
    "fit.how.ranked": {
        "en": "maximum likelihood, best by AIC; CIs as the fitted YAML states them",
        "zh": "极大似然估计，按AIC选优；置信区间与拟合YAML所注一致",
    },
    "fit.model": {"en": "Model of {field}", "zh": "{field} 的模型"},
    "fit.n.exposure": {
        "en": "{n} over {exposure} enterprise-days",
        "zh": "{exposure}企业·日共{n}个",
    },
}
TEXT.update(FIT_TEXT)
