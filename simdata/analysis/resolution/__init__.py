"""KPIs of the identifier-resolution node (registered on import)."""

# The registry first, whichever module is imported first: it imports every area's
# definitions in its own order (resolution before the identifier variants built on it).
from simdata.analysis import kpis as _registry  # noqa: F401
