"""KPIs of the resolution network: the single node's KPIs per node (``@node=NAME``)."""
