"""KPIs of the identifier economy and the subsidy rule (registered on import)."""
