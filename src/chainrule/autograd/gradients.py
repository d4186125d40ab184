"""Undoing broadcasting in a gradient, and the check that a gradient has its variable's shape and dtype."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, so it gets ``shape``.

    The one place where broadcasting is undone; works on arrays and (for higher-order gradients) tensors.
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if lead < 0 or any(n != 1 and gshape[i + lead] != n for i, n in enumerate(shape)):
        return g  # not a broadcast of shape: the shape check reports it
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _fix_grad(g, var, op_name: str):
    """Undo broadcasting, match the variable's dtype and enforce the shape invariant."""
    shape = var.data.shape
    if g.shape != shape:
        g = unbroadcast(g, shape)
        if g.shape != shape:
            raise ShapeError(f"{op_name} backward produced a gradient of shape {g.shape} for a variable of "
                             f"shape {shape}; a gradient must have its variable's shape.")
    dtype = var.data.dtype
    if g.dtype != dtype:
        g = g.astype(dtype) if isinstance(g, np.ndarray) else g.astype(dtype)
    return g
