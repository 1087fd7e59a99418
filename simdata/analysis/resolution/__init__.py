"""KPIs of the identifier-resolution node (registered on import)."""
