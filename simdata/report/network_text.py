"""The words of a run report's network section (report/network_page.py), in English and
Chinese; :mod:`simdata.report.i18n` merges them into its table."""

from __future__ import annotations

NETWORK_TEXT: dict[str, dict[str, str]] = {
    "net.section": {"en": "Resolution network", "zh": "解析网络"},
    "net.intro": {
        "en": "{nodes} nodes ({layers}); {arrivals} resolutions entered the network per "
        "replication (mean over {replications} replications) over the simulated window.",
        "zh": "共{nodes}个节点（{layers}）；每次重复中进入网络的解析请求{arrivals}次"
        "（{replications}次重复的均值，仿真时段内合计）。",
    },
    "net.layer.recursive": {"en": "recursive", "zh": "递归节点"},
    "net.layer.top_level": {"en": "top-level", "zh": "顶级节点"},
    "net.layer.secondary": {"en": "secondary", "zh": "二级节点"},
    "net.layer.enterprise": {"en": "enterprise", "zh": "企业节点"},
    "net.layer.count": {"en": "{count} {layer}", "zh": "{layer}{count}个"},
    "net.others": {"en": "{count} others", "zh": "其余{count}个"},
    "net.row": {"en": "{layer}\n{arrivals}", "zh": "{layer}\n{arrivals}"},
    "net.cat.util.low": {"en": "utilisation < 50%", "zh": "利用率 < 50%"},
    "net.cat.util.mid": {"en": "utilisation 50–70%", "zh": "利用率 50–70%"},
    "net.cat.util.high": {"en": "utilisation 70–85%", "zh": "利用率 70–85%"},
    "net.cat.util.saturated": {"en": "utilisation ≥ 85%", "zh": "利用率 ≥ 85%"},
    "net.cat.sla.ample": {
        "en": "SLA met, ≥ {half} points to spare",
        "zh": "满足SLA，余量 ≥ {half}个百分点",
    },
    "net.cat.sla.thin": {
        "en": "SLA met, < {half} points to spare",
        "zh": "满足SLA，余量 < {half}个百分点",
    },
    "net.cat.sla.short": {
        "en": "SLA missed by < {half} points",
        "zh": "未满足SLA，差距 < {half}个百分点",
    },
    "net.cat.sla.missed": {
        "en": "SLA missed by ≥ {half} points",
        "zh": "未满足SLA，差距 ≥ {half}个百分点",
    },
    "net.cat.none": {"en": "no queue (cache or latency only)", "zh": "无排队（缓存或仅时延）"},
    "title.network_map": {"en": "The node map", "zh": "节点图"},
    "caption.network_map": {
        "en": "One row per layer in the order a resolution visits them; a box's width is "
        "the node's share of the requests arriving at its layer (mean over replications; "
        "the row's total on the left). Secondary nodes are coloured by their SLA margin "
        "(the share of their resolutions within {sla} minus {quantile}), other nodes with "
        "servers by utilisation over the simulated window.{rest}",
        "zh": "每行为一层，按解析请求经过的顺序排列；方框宽度为该节点在本层到达请求中的占比"
        "（各次重复的均值；左侧为本层合计）。二级节点按SLA余量着色（其解析请求中{sla}以内的"
        "占比减去{quantile}），其余有服务器的节点按仿真时段内的利用率着色。{rest}",
    },
    "caption.network_map.no_sla": {
        "en": "One row per layer in the order a resolution visits them; a box's width is "
        "the node's share of the requests arriving at its layer (mean over replications; "
        "the row's total on the left). Nodes with servers are coloured by utilisation over "
        "the simulated window (the scenario sets no network.sla).{rest}",
        "zh": "每行为一层，按解析请求经过的顺序排列；方框宽度为该节点在本层到达请求中的占比"
        "（各次重复的均值；左侧为本层合计）。有服务器的节点按仿真时段内的利用率着色"
        "（情景未设定 network.sla）。{rest}",
    },
    "net.rest": {
        "en": " A layer of more than {top} nodes shows its busiest {shown}; one grey-edged "
        "box holds the rest, coloured by the worst of them.",
        "zh": "节点多于{top}个的层只显示最繁忙的{shown}个，其余合并为一个方框，按其中最差者着色。",
    },
    "net.idle": {
        "en": " Without arrivals, so without a box: {names}.",
        "zh": "无到达请求因而未画方框的节点：{names}。",
    },
    "title.network_cdf": {
        "en": "End-to-end latency of the busiest secondary nodes",
        "zh": "最繁忙二级节点的端到端解析时延",
    },
    "caption.network_cdf": {
        "en": "Share of each node's resolutions answered within a latency, pooled over "
        "replications from log-bucket histograms (< 1% wide); the dashed line is the SLA "
        "threshold, the grey line its share ({quantile}). A curve crossing the grey line "
        "left of the dashed one meets the SLA.{rest}",
        "zh": "各节点解析请求在给定时延内完成的占比（各次重复汇总的对数分桶直方图，"
        "桶宽 < 1%）；虚线为SLA阈值，灰线为其要求的占比（{quantile}）。"
        "曲线在虚线左侧越过灰线即满足SLA。{rest}",
    },
    "caption.network_cdf.no_sla": {
        "en": "Share of each node's resolutions answered within a latency, pooled over "
        "replications from log-bucket histograms (< 1% wide); the scenario sets no "
        "network.sla.{rest}",
        "zh": "各节点解析请求在给定时延内完成的占比（各次重复汇总的对数分桶直方图，"
        "桶宽 < 1%）；情景未设定 network.sla。{rest}",
    },
    "net.cdf.rest": {
        "en": " The other {count} secondary nodes are pooled in the grey line.",
        "zh": "其余{count}个二级节点汇总为灰色曲线。",
    },
    "net.cdf.others": {"en": "{count} other nodes", "zh": "其余{count}个节点"},
    "net.provinces": {"en": "Provincial totals against their targets", "zh": "各省合计与目标"},
    "net.provinces.none": {
        "en": "The run has no provincial totals (no node names a province).",
        "zh": "本次运行没有分省合计（节点未标注省份）。",
    },
    "net.targeted": {"en": "Nodes with targets", "zh": "设有目标的节点"},
    "net.nodes": {"en": "Most utilised nodes", "zh": "利用率最高的节点"},
    "net.nodes.note": {
        "en": "{shown} of {count} nodes: the highest utilisation first (the first to "
        "saturate as traffic grows), then nodes without servers by arrivals; every node's "
        "KPIs are in "
        "the KPI table below (folded under “node”) and in summary.parquet.",
        "zh": "{count}个节点中的{shown}个：利用率最高者在前（流量增长时最先饱和），"
        "其后为无服务器的节点（按到达请求数）；全部节点的指标见下方指标表"
        "（折叠于“节点”之下）及 summary.parquet。",
    },
    "net.points": {"en": " pp", "zh": "个百分点"},
    "net.col.province": {"en": "province", "zh": "省份"},
    "net.col.node": {"en": "node", "zh": "节点"},
    "net.col.kind": {"en": "layer", "zh": "层级"},
    "net.col.servers": {"en": "servers", "zh": "服务器数"},
    "net.col.arrivals": {"en": "arrivals", "zh": "到达请求数"},
    "net.col.utilisation": {"en": "utilisation", "zh": "利用率"},
    "net.col.p99": {"en": "end-to-end p99", "zh": "端到端 p99"},
    "net.col.sla_share": {"en": "within SLA", "zh": "SLA内占比"},
    "net.latency_axis": {"en": "end-to-end latency (ms)", "zh": "端到端时延（毫秒）"},
    "net.share_axis": {"en": "share of resolutions within", "zh": "在该时延内完成的占比"},
    "net.sla_line": {"en": "SLA {sla}", "zh": "SLA {sla}"},
}
