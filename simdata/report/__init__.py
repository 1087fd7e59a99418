"""Reports and office exports of a results directory (run, capacity, sweep, compare).

They read only what the experiment wrote, never a live simulation:
``write_report(dir, lang)`` writes a self-contained ``report.html`` (English or Chinese),
``export_tables(dir, "csv" | "xlsx")`` the tables for Excel/WPS users.
"""

from simdata.report.export import export_tables
from simdata.report.html import Report, build_report, write_report

__all__ = ["Report", "build_report", "export_tables", "write_report"]
