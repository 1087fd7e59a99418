"""KPIs of the public-data sharing model (registered on import)."""
