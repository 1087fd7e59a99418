"""The network's breakdown dimensions: ``@node=NAME`` and ``@province=NAME``.

A leaf module, so the registry's import of the network KPIs stays free of cycles.
"""

#: A node of the network (``resolution.utilisation@node=fuzhou``).
DIMENSION = "node"
#: The sum over a province's secondary nodes (``registrations.new_count@province=福建``).
PROVINCE = "province"
#: The KPIs of a node's own queue (every node with servers).
QUEUE_KPIS = (
    "resolution.wait_mean",
    "resolution.sojourn_mean",
    "resolution.sojourn_p50",
    "resolution.sojourn_p99",
    "resolution.queue_mean",
    "resolution.utilisation",
    "resolution.throughput",
    "resolution.rejected_share",
)
#: The end-to-end KPIs of the resolutions a secondary node owns (every other resolution
#: KPI; :mod:`.kpis` checks the two lists cover the registry's resolution KPIs).
PATH_KPIS = (
    "resolution.arrivals_count",
    "resolution.latency_mean",
    "resolution.latency_p50",
    "resolution.latency_p99",
    "resolution.sla_share",
    "resolution.failed_share",
    "resolution.cache_hit_share",
)
#: The identifier economy's KPIs per secondary node and province (:mod:`.economy`).
ECONOMY_KPIS = (
    "enterprises.joined_count",
    "registrations.new_count",
    "registrations.total_count",
    "resolutions.daily_mean",
)
