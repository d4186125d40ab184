"""`DataLoader`: mini-batches of NumPy arrays in a reproducible, resumable and shardable order.

The order of epoch k is a permutation drawn from ``default_rng([seed, k])``: it depends on the seed
and the epoch only, never on what ran before, so training can resume mid-run with bit-identical
batches (save `state_dict`, restore with `load_state_dict`). With ``num_shards=W`` every global
batch of ``batch_size`` samples is cut into W contiguous slices and rank r gets slice r, so the
union of the ranks' batches is exactly the single-process batch.
"""
from __future__ import annotations

import inspect
import math

import numpy as np

from .._validate import integer
from ..errors import ConfigError
from .transforms import Transform, take_params

_AUGMENT_STREAM = 0x5EED                    # separates augmentation randomness from the shuffle's


def _check_int(name, value, low):
    n = integer(value)
    if n is None or n < low:
        raise ConfigError(f"{name}={value!r} is not an integer >= {low}; pass e.g. {name}={max(low, 1)}.")
    return n


class DataLoader:
    """Iterate over ``dataset`` in batches ``(X_batch, y_batch)`` (NumPy arrays, rows of X and y).

    ``dataset``: a `Dataset` or anything with arrays ``X`` and ``y``, or a tuple ``(X, y)``.
    ``batch_size``: samples per global batch (split across shards). ``shuffle``: a new order each
    epoch from ``seed`` (None draws a seed once, kept in `state_dict`). ``drop_last``: skip the
    final short batch. ``transform``: a `chainrule.data.Transform` (randomness reproducible from
    seed, epoch and batch) or any callable ``X_batch -> X_batch``. ``num_shards``/``shard_index``:
    data-parallel rank ``shard_index`` of ``num_shards`` gets its contiguous slice of every global
    batch; a short last batch is split as evenly as possible (a rank may get an empty slice, so all
    ranks take the same number of steps).

    Iterating continues from the saved position: a loop that stops mid-epoch resumes there on the
    next ``for``; an epoch that runs to its end advances `epoch`. `set_epoch` jumps to an epoch start.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, seed=None, transform=None,
                 num_shards=1, shard_index=0):
        if isinstance(dataset, tuple) and len(dataset) == 2:
            X, y = dataset
        else:
            X, y = getattr(dataset, "X", None), getattr(dataset, "y", None)
        if X is None or y is None or len(X) != len(y):
            raise ConfigError("DataLoader needs a Dataset (with X and y of equal length) or a tuple (X, y).")
        self.dataset, self.X, self.y = dataset, X, y
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.num_shards = _check_int("num_shards", num_shards, 1)
        self.shard_index = _check_int("shard_index", shard_index, 0)
        if self.shard_index >= self.num_shards:
            raise ConfigError(f"shard_index={shard_index} is not below num_shards={num_shards}; "
                              f"ranks are 0..{num_shards - 1}.")
        if self.batch_size % self.num_shards:
            raise ConfigError(
                f"batch_size={batch_size} cannot be split evenly across {num_shards} shards; pass a global batch size "
                f"that is a multiple of num_shards."
            )
        self.shuffle, self.drop_last, self.transform = bool(shuffle), bool(drop_last), transform
        if seed is None:
            if self.num_shards > 1 and (self.shuffle or transform is not None):
                raise ConfigError("A sharded DataLoader that shuffles or augments needs seed=<int>, the same on every rank.")
            seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self.seed = _check_int("seed", seed, 0)
        self._takes_rng = (not isinstance(transform, Transform) and transform is not None
                           and "rng" in _parameters(transform))
        self.epoch, self._batch = 0, 0
        self._order_memo = (None, None)

    def __len__(self) -> int:
        """Batches per epoch."""
        n = len(self.y)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch`` (int64 indices into the dataset)."""
        return self._order(epoch).copy()

    def _order(self, epoch: int) -> np.ndarray:
        n = len(self.y)
        if not self.shuffle:
            return np.arange(n)
        key = (self.seed, int(epoch))
        if self._order_memo[0] != key:
            self._order_memo = (key, np.random.default_rng([self.seed, int(epoch)]).permutation(n))
        return self._order_memo[1]

    def set_epoch(self, epoch: int) -> None:
        """Start the next iteration at the beginning of ``epoch``."""
        self.epoch, self._batch = _check_int("epoch", epoch, 0), 0

    def shard_slice(self, batch_len: int) -> slice:
        """This rank's slice of a global batch of ``batch_len`` samples."""
        W, r = self.num_shards, self.shard_index
        return slice(r * batch_len // W, (r + 1) * batch_len // W)

    def batch(self, epoch: int, index: int):
        """Global batch ``index`` of ``epoch`` as this rank sees it: ``(X_batch, y_batch)``."""
        order = self._order(epoch)
        idx = order[index * self.batch_size:(index + 1) * self.batch_size]
        sl = self.shard_slice(len(idx))
        mine = idx[sl]
        Xb, yb = self.X[mine], self.y[mine]
        if self.transform is not None:
            rng = np.random.default_rng([self.seed, int(epoch), int(index), _AUGMENT_STREAM])
            if isinstance(self.transform, Transform):
                params = self.transform.draw(len(idx), rng)        # drawn for the global batch ...
                Xb = self.transform.apply(Xb, take_params(params, sl))   # ... applied to this rank's slice
            elif self._takes_rng:
                Xb = self.transform(Xb, rng=rng)
            else:
                Xb = self.transform(Xb)
        return Xb, yb

    def __iter__(self):
        epoch, start = self.epoch, self._batch
        for index in range(start, len(self)):
            out = self.batch(epoch, index)
            self._batch = index + 1
            yield out
        self.epoch, self._batch = epoch + 1, 0

    def state_dict(self) -> dict:
        """Where the loader stands: ``{"epoch", "batch", "seed", "num_samples", "batch_size", "shuffle"}``."""
        return {"epoch": self.epoch, "batch": self._batch, "seed": self.seed, "num_samples": len(self.y),
                "batch_size": self.batch_size, "shuffle": self.shuffle, "drop_last": self.drop_last}

    def load_state_dict(self, state: dict) -> None:
        """Resume from `state_dict`: the next batch is the one that would have come next (any shard count)."""
        if not isinstance(state, dict) or not {"seed", "epoch", "batch"} <= set(state):
            raise ConfigError("The saved loader state must be a dict with 'seed', 'epoch' and 'batch' (from "
                              "DataLoader.state_dict()).")
        for key in ("num_samples", "batch_size", "shuffle", "drop_last"):
            mine = len(self.y) if key == "num_samples" else getattr(self, key)
            if key in state and state[key] != mine:
                raise ConfigError(
                    f"The saved loader state has {key}={state[key]!r} but this DataLoader has {mine!r}; "
                    "resume with the same data and loader settings."
                )
        self.seed = _check_int("seed", state["seed"], 0)
        self.epoch = _check_int("epoch", state["epoch"], 0)
        self._batch = _check_int("batch", state["batch"], 0)

    def __repr__(self) -> str:
        shard = f", shard {self.shard_index}/{self.num_shards}" if self.num_shards > 1 else ""
        return (f"DataLoader({len(self.y)} samples, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, epoch={self.epoch}{shard})")


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
