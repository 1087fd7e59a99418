"""Simulation primitives: random streams and columnar recording (used by the model)."""
