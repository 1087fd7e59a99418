"""The words of the ``simdata optimize`` page (report/optimize_page.py), in English and
Chinese; :mod:`simdata.report.i18n` merges them into its table."""

from __future__ import annotations

OPTIMIZE_TEXT: dict[str, dict[str, str]] = {
    "kind.optimize": {
        "en": "Cheapest plan (simdata optimize)",
        "zh": "最省方案（simdata optimize）",
    },
    "opt.chosen": {"en": "The chosen plan", "zh": "选定方案"},
    "opt.none": {
        "en": "No plan in the design's ranges meets every target.",
        "zh": "设计范围内没有满足全部目标的方案。",
    },
    "opt.col.lever": {"en": "lever", "zh": "决策变量"},
    "opt.col.value": {"en": "value", "zh": "取值"},
    "opt.col.unit_cost": {"en": "cost per unit", "zh": "单位成本"},
    "opt.col.cost": {"en": "cost", "zh": "成本"},
    "opt.col.plan": {"en": "plan", "zh": "方案"},
    "opt.col.status": {"en": "status", "zh": "状态"},
    "opt.col.replications": {"en": "replications", "zh": "重复次数"},
    "opt.col.constraint": {"en": "constraint", "zh": "约束"},
    "opt.col.estimate": {"en": "estimate", "zh": "估计值"},
    "opt.col.ci": {"en": "CI", "zh": "置信区间"},
    "opt.col.verdict": {"en": "verdict", "zh": "判定"},
    "opt.col.tolerance": {"en": "tolerance", "zh": "容差"},
    "opt.col.breaks": {"en": "what breaks", "zh": "不满足的约束"},
    "opt.col.margin": {"en": "margin: {constraint}", "zh": "余量：{constraint}"},
    "opt.total": {"en": "total", "zh": "合计"},
    "opt.targets": {"en": "Targets at the chosen plan", "zh": "选定方案下各目标"},
    "opt.targets.note": {
        "en": "Each estimate with the CI the verdict used (level {level}: the design's α split "
        "over plans, constraints and looks). {share}",
        "zh": "各估计值及判定所用的置信区间（置信水平 {level}："
        "设计的α按方案、约束与检视次数分摊）。{share}",
    },
    "opt.share_note": {
        "en": "A quantile target is judged as the share of requests within the threshold.",
        "zh": "分位数目标按阈值内请求占比（一个均值）判定。",
    },
    "opt.share": {
        "en": "{share} within {threshold} (needs {op} {required})",
        "zh": "{threshold}以内占比 {share}（要求 {op} {required}）",
    },
    "opt.cheaper": {
        "en": "What one step cheaper would break",
        "zh": "每个决策变量少一档会违反什么",
    },
    "opt.cheaper.note": {
        "en": "For each lever, the chosen plan with that lever one step lower, and the "
        "constraint it fails (estimate and CI).",
        "zh": "对每个决策变量，将其在选定方案上降低一档后的方案，"
        "以及它不满足的约束（估计值与置信区间）。",
    },
    "opt.lowest": {"en": "already at its lowest value", "zh": "已是最低取值"},
    "opt.implied": {
        "en": "not evaluated: it has no more of any lever than plan {plan}, shown infeasible "
        "— {why}",
        "zh": "未评估：各决策变量均不多于已判为不可行的方案 {plan}——{why}",
    },
    "opt.unknown": {"en": "not evaluated", "zh": "未评估"},
    "opt.fails": {
        "en": "{constraint} fails: {estimate} {ci}",
        "zh": "{constraint} 不满足：{estimate} {ci}",
    },
    "opt.open": {
        "en": "{constraint} undecided: {estimate} {ci}",
        "zh": "{constraint} 未判定：{estimate} {ci}",
    },
    "opt.plans": {"en": "Every evaluated plan", "zh": "全部已评估方案"},
    "opt.plans.note": {
        "en": "In evaluation order. Margin: how far the estimate lies on the right side of "
        "the target (negative: the wrong side), with its CI. ★ chosen, ◆ on the minimal "
        "feasible frontier.",
        "zh": "按评估顺序列出。余量：估计值在目标正确一侧的距离（负值表示在错误一侧），附置信区间。"
        "★ 选定方案，◆ 位于最小可行前沿。",
    },
    "opt.status.feasible": {"en": "feasible", "zh": "可行"},
    "opt.status.infeasible": {"en": "infeasible", "zh": "不可行"},
    "opt.status.tie": {"en": "tie (within tolerance)", "zh": "持平（在容差内）"},
    "opt.status.undecided": {"en": "undecided", "zh": "未判定"},
    "opt.status.invalid": {"en": "invalid", "zh": "无效"},
    "opt.status.dominated": {"en": "dominated", "zh": "被支配"},
    "opt.guarantee": {
        "en": "with probability ≥ {level}, plan {plan} meets every target{within}, and no "
        "cheaper plan among those examined does (each was shown infeasible, or lies within "
        "the tolerance){except_}",
        "zh": "以不低于 {level} 的概率，方案 {plan} 满足全部目标{within}，"
        "且已检视的更便宜方案均不满足（每个都被判为不可行，或在容差之内）{except_}",
    },
    "opt.guarantee.within": {"en": " (within the tolerance)", "zh": "（在容差内）"},
    "opt.guarantee.except": {
        "en": " — except {count} cheaper plan(s) left undecided at max_replications: {plans}",
        "zh": "——但有 {count} 个更便宜的方案在达到最大重复次数时仍未判定：{plans}",
    },
    "opt.spent": {
        "en": "{plans} plans evaluated, {replications} replications; confidence {confidence}.",
        "zh": "共评估 {plans} 个方案，{replications} 次重复；置信度 {confidence}。",
    },
    "title.optimize_frontier": {
        "en": "Cost against each target's margin",
        "zh": "成本与各目标余量",
    },
    "caption.optimize_frontier": {
        "en": "Each evaluated plan: its cost (x) and how far its estimate lies on the right "
        "side of the target (y, with the CI); above the dashed line the target holds, the "
        "shaded band is the tolerance. Green ● feasible, blue ◆ tie, red ✕ infeasible, "
        "amber ▲ undecided; the ringed point is the chosen plan.",
        "zh": "每个已评估方案：横轴为成本，纵轴为估计值在目标正确一侧的余量（附置信区间）；"
        "虚线以上目标成立，阴影为容差带。绿色●可行，蓝色◆持平，红色✕不可行，"
        "黄色▲未判定；带圈的点为选定方案。",
    },
    "opt.axis.cost": {"en": "cost (yuan)", "zh": "成本（元）"},
    "opt.axis.margin": {"en": "margin ({unit})", "zh": "余量（{unit}）"},
}
