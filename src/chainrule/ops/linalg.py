"""Matrix multiplication for 1-D, 2-D and batched (broadcast) operands.

The VJPs are the lecture's vectorized backprop: for ``y = x @ w``, ``dx = g @ w.T`` and ``dw = x.T @ g``,
each with its variable's shape; the Jacobian (size of y times size of x) is never built.
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .registry import defop


def _col(a):
    return a.reshape(a.shape + (1,))


def _matmul_grad_x(g, ans, x, y):
    if y.ndim == 1:
        return g * y if x.ndim == 1 else _col(g) * y          # (..., n, 1) * (k,) -> (..., n, k)
    if x.ndim == 1:
        return (y @ _col(g)).reshape(y.shape[:-1])           # (..., k, m) @ (..., m, 1) -> (..., k)
    return g @ y.swapaxes(-1, -2)


def _matmul_grad_y(g, ans, x, y):
    if x.ndim == 1:
        if y.ndim == 1:
            return g * x
        return _col(x) * g.reshape(g.shape[:-1] + (1, g.shape[-1]))   # (k, 1) * (..., 1, m)
    if y.ndim == 1:
        return (x.swapaxes(-1, -2) @ _col(g)).reshape(x.shape[:-2] + x.shape[-1:])
    return x.swapaxes(-1, -2) @ g


def check_matmul(xs, ys, name="matmul"):
    """Raise a :class:`ShapeError` naming both shapes when ``xs @ ys`` is undefined."""
    if len(xs) == 0 or len(ys) == 0:
        raise ShapeError(f"{name}: {xs} @ {ys}: both operands need at least one dimension.")
    inner_y = ys[-2] if len(ys) > 1 else ys[0]
    if xs[-1] != inner_y:
        raise ShapeError(f"{name}: {xs} @ {ys}: inner sizes {xs[-1]} and {inner_y} differ.")


@defop("matmul", vjps=(_matmul_grad_x, _matmul_grad_y))
def matmul(x, y):
    """x @ y, with NumPy's rules for 1-D and batched operands."""
    check_matmul(np.shape(x), np.shape(y))
    try:
        return np.matmul(x, y)
    except ValueError:
        raise ShapeError(f"matmul: batch shapes of {np.shape(x)} and {np.shape(y)} do not broadcast.") from None
