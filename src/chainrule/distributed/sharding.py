"""Cutting every global batch into equal per-rank slices."""
from __future__ import annotations

import numpy as np

from .._validate import integer
from .collectives import broadcast
from .world import BatchSplitError, rank, world_size


def check_batch_size(batch_size: int, ranks: int | None = None) -> int:
    """The per-rank batch ``batch_size // ranks``; raises `BatchSplitError` unless it divides evenly."""
    ranks = world_size() if ranks is None else int(ranks)
    n = integer(batch_size)
    if n is None or n < 1:
        raise BatchSplitError(f"The global batch size must be a positive integer, got {batch_size!r}.")
    batch_size = n
    if batch_size % ranks or batch_size < ranks:
        lo = max(ranks, batch_size // ranks * ranks)
        hi = (batch_size // ranks + 1) * ranks
        hint = f"{lo} or {hi}" if lo != hi and lo != batch_size else f"{hi}"
        raise BatchSplitError(
            f"The global batch size {batch_size} does not divide evenly across {ranks} ranks; "
            f"use a multiple of {ranks}, e.g. {hint}.")
    return batch_size // ranks


def shard_loader(loader):
    """Make ``loader`` (a `chainrule.data.DataLoader`) yield this rank's slice of every global batch.

    Checks that its ``batch_size`` (the global batch) divides by the world size, gives every rank rank
    0's shuffle seed, and sets ``num_shards``/``shard_index``. Returns the same loader.
    """
    W, r = world_size(), rank()
    check_batch_size(loader.batch_size, W)
    if W > 1:
        loader.seed = int(broadcast(np.int64(loader.seed), root=0))
    loader.num_shards, loader.shard_index = W, r
    return loader
