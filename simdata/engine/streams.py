"""Random streams: one generator per (replication, component, purpose), never global state.

Every stream is ``SeedSequence(root_seed, spawn_key=(replication, component_id,
purpose_id))`` with ids from :func:`stable_id` (CRC32 of the name, so the same on every
machine and Python version, unlike ``hash()``). Consequences the design relies on:

* two policy variants with the same root seed see the same arrivals and entities
  (common random numbers), because a component's draws do not depend on other settings;
* a replication's numbers depend only on (root seed, replication index), never on the
  worker, the executor or the order tasks finish.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np


def stable_id(name: str) -> int:
    """A name's fixed integer id (CRC32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """The random streams of one replication, handed out per component and purpose."""

    def __init__(self, root_seed: int, replication: int) -> None:
        if root_seed < 0 or replication < 0:
            raise ValueError(f"expected seed and replication ≥ 0, got {root_seed}, {replication}")
        self.root_seed = root_seed
        self.replication = replication

    def spawn_key(self, component: str, purpose: str) -> tuple[int, int, int]:
        return (self.replication, stable_id(component), stable_id(purpose))

    def generator(self, component: str, purpose: str) -> np.random.Generator:
        """A fresh generator for ``component``'s ``purpose`` (same inputs, same numbers)."""
        sequence = np.random.SeedSequence(
            self.root_seed, spawn_key=self.spawn_key(component, purpose)
        )
        return np.random.Generator(np.random.PCG64(sequence))


def substream_seed(root_seed: int, *draws: int) -> int:
    """The root seed of substream ``draws`` of ``root_seed``: a different, stable root seed.

    A sweep's noise lever (the dummy of a SALib design) moves a point to another substream:
    every replication of the point then sees numbers independent of the root seed's
    (SHA-256 of the integers, 63 bits), and nothing else about the point changes. The same
    integers give the same seed on every machine.
    """
    if root_seed < 0 or any(draw < 0 for draw in draws):
        raise ValueError(f"expected seed and draws ≥ 0, got {root_seed}, {draws}")
    text = "/".join(str(number) for number in (root_seed, *draws))
    digest = hashlib.sha256(f"simdata-substream/{text}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1
