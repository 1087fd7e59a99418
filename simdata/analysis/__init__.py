"""From frames to numbers: the KPI registry, summaries with CIs, targets, warm-up checks."""
