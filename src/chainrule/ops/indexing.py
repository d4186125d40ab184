"""Indexing ops that are not compositions of others: ``scatter`` with a ``reduce`` (PyTorch's deprecated
form), without a derivative as in PyTorch."""
from __future__ import annotations

import numpy as np

from .registry import defop
from .shape import _leading, along


@defop("scatter_reduced")
def scatter_reduced(x, src, index, axis, reduce):
    """A copy of x with ``src`` added to (``reduce='add'``) or multiplied into (``'multiply'``) the places
    ``index`` names along ``axis``; repeats accumulate."""
    out = np.array(x, dtype=np.result_type(x, src))
    ufunc = np.add if reduce == "add" else np.multiply
    ufunc.at(out, along(index, axis, out.shape, "scatter"), _leading(src, index))
    return out
