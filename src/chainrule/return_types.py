"""The named tuples of functions that return values and their indices, as ``torch.return_types``:
``values, indices = x.sort()`` or ``x.topk(3).indices``."""
from collections import namedtuple

__all__ = ["sort", "topk"]

sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
