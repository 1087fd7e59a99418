"""The public-data sharing model: catalogue, requesters, the development agency and the
sharing policy, one component each (:mod:`simdata.model.component`).

The catalogue's whole history and every request are drawn when the components are built;
the sharing desk runs each request through review, auto-approval, sign-off and the agency
as SimPy processes; after the drain each component records its frames (``data_requests``,
``departments``, ``agency``, ``catalogue``) and the daily series of ``timeseries.parquet``.
"""
