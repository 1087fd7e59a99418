"""The words of the ``simdata backtest`` page (report/backtest_page.py), in English and
Chinese; :mod:`simdata.report.i18n` merges them into its table."""

from __future__ import annotations

BACKTEST_TEXT: dict[str, dict[str, str]] = {
    "kind.backtest": {"en": "Backtest against observations", "zh": "与实测数据回测"},
    "bt.verdicts": {"en": "Is the model fit to decide with?", "zh": "模型是否可用于决策？"},
    "bt.verdicts.note": {
        "en": "Per KPI: {test}. Consistent: the observations could be one more replication "
        "of the model; model too high / too low: the model's values are above / below what "
        "was observed. {replications} replications; predictive interval: {method}.",
        "zh": "每个指标的检验：各期观测值相对仿真均值的标准化偏差取平均，以各次重复自身"
        "（留一）的同一统计量校准，自由度为 R − 1 的双侧 t 检验；多个指标用 Holm 校正，"
        "α = 0.05。一致：观测值可视为模型的又一次重复；模型偏高／偏低：模型值高于／低于"
        "实测。重复次数 {replications}；预测区间：{method}。",
    },
    "bt.method.order statistics": {"en": "order statistics", "zh": "次序统计量"},
    "bt.method.normal": {"en": "mean ± t·s·√(1 + 1/R)", "zh": "均值 ± t·s·√(1 + 1/R)"},
    "bt.verdict.consistent": {"en": "consistent", "zh": "一致"},
    "bt.verdict.model too high": {"en": "model too high", "zh": "模型偏高"},
    "bt.verdict.model too low": {"en": "model too low", "zh": "模型偏低"},
    "bt.verdict.undecided": {"en": "undecided (no period defined)", "zh": "无法判定（无可用期）"},
    "bt.col.verdict": {"en": "verdict", "zh": "判定"},
    "bt.col.periods": {"en": "periods", "zh": "期数"},
    "bt.col.outside": {"en": "outside the 95% interval", "zh": "落在95%区间外"},
    "bt.col.percentile": {"en": "mean percentile", "zh": "平均百分位"},
    "bt.col.observed": {"en": "observed", "zh": "实测"},
    "bt.col.simulated": {"en": "simulated mean", "zh": "仿真均值"},
    "bt.col.interval": {"en": "95% predictive interval", "zh": "95%预测区间"},
    "bt.col.percentile_one": {"en": "percentile", "zh": "百分位"},
    "bt.col.period": {"en": "period", "zh": "时期"},
    "bt.col.p": {"en": "p (Holm)", "zh": "p值（Holm）"},
    "bt.periods": {"en": "Observed and simulated, period by period", "zh": "逐期实测与仿真"},
    "bt.periods.note": {
        "en": "Percentile: where the observation falls among the replications (50 = their "
        "middle); ⚠ marks an observation outside the 95% predictive interval (about one "
        "period in twenty by chance).",
        "zh": "百分位：实测值在各次重复中的位置（50为居中）；⚠ 表示实测值落在95%预测区间"
        "之外（纯属偶然时约每二十期出现一次）。",
    },
    "title.backtest": {"en": "Observed against simulated over time", "zh": "实测与仿真随时间对比"},
    "caption.backtest": {
        "en": "Band: the 95% predictive interval of one more replication; line: the "
        "replications' mean; points: the observations (red when outside the band).",
        "zh": "色带：再一次重复的95%预测区间；折线：各次重复的均值；圆点：实测值"
        "（落在色带外为红色）。",
    },
    "bt.legend.band": {"en": "95% predictive interval", "zh": "95%预测区间"},
    "bt.legend.mean": {"en": "simulated mean", "zh": "仿真均值"},
    "bt.legend.observed": {"en": "observed", "zh": "实测"},
    "series.registrations.count": {"en": "Identifiers registered", "zh": "标识注册量"},
    "series.resolutions.count": {"en": "Resolutions", "zh": "解析量"},
    "series.cases.count": {"en": "Application cases started", "zh": "新增创新应用案例数"},
}
