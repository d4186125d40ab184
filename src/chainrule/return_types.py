"""The named tuples of functions that return values and their indices, as ``torch.return_types``:
``values, indices = x.max(1)``, ``x.sort()`` or ``x.topk(3).indices``."""
from collections import namedtuple

__all__ = ["max", "min", "sort", "topk", "median", "mode"]

max = namedtuple("max", ["values", "indices"])
min = namedtuple("min", ["values", "indices"])
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
median = namedtuple("median", ["values", "indices"])
mode = namedtuple("mode", ["values", "indices"])
