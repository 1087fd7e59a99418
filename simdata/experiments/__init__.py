"""Loops around the replication runner: runs, and later sweeps, capacity, comparisons."""
