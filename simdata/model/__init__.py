"""The domain model: one module per actor, assembled into a World by :mod:`world`."""
