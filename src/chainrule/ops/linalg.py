"""Matrix multiplication for 1-D, 2-D and batched (broadcast) operands; einsum; triangles and diagonals.

The VJPs are the lecture's vectorized backprop: for ``y = x @ w``, ``dx = g @ w.T`` and ``dw = x.T @ g``,
each with its variable's shape; the Jacobian (size of y times size of x) is never built.
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .registry import defop
from .shape import broadcast_to, index_add


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


@defop("matmul", vjps=(_matmul_grad_x, _matmul_grad_y), promote="exact")
def matmul(x, y):
    """x @ y, with NumPy's rules for 1-D and batched operands."""
    check_matmul(np.shape(x), np.shape(y))
    try:
        return np.matmul(x, y)
    except ValueError:
        raise ShapeError(f"matmul: batch shapes of {np.shape(x)} and {np.shape(y)} do not broadcast.") from None


# --- einsum ---------------------------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def explicit_equation(equation, shapes):
    """``equation`` with its ellipses written out as letters and its output stated (PyTorch's implicit output:
    the broadcast dimensions, then the letters used once, in alphabetical order)."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operands but {len(shapes)} were given.")
    spare = [c for c in _LETTERS if c not in equation]
    widths = [len(s) - len(t.replace("...", "")) if "..." in t else 0 for t, s in zip(terms, shapes)]
    width = max(widths, default=0)
    if any(w < 0 for w in widths):
        raise ValueError(f"einsum: the equation {equation!r} has more subscripts than an operand has dimensions.")
    broadcast = "".join(spare[:width])
    terms = [t.replace("...", broadcast[width - w:]) for t, w in zip(terms, widths)]
    for t, s in zip(terms, shapes):
        if len(t) != len(s) or not t.isalpha():
            raise ValueError(f"einsum: the subscripts {t!r} do not fit an operand of shape {tuple(s)}.")
    if arrow:
        out = rhs.replace("...", broadcast)
    else:
        counts = {c: "".join(terms).count(c) for c in set("".join(terms)) - set(broadcast)}
        out = broadcast + "".join(sorted(c for c, k in counts.items() if k == 1))
    if not set(out) <= set("".join(terms)) or len(set(out)) != len(out):
        raise ValueError(f"einsum: the output {out!r} must use each input letter at most once.")
    return ",".join(terms) + "->" + out


def _letter_sizes(terms, xs):
    sizes = {}
    for t, x in zip(terms, xs):
        for c, n in zip(t, x.shape):
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]        # a 1 broadcasts, a 0 does not
    return sizes


def _einsum_grads(g, ans, needs, *xs, equation):
    """Operand k's gradient is an einsum of the upstream gradient with the other operands; a letter repeated in
    operand k (a diagonal) is written out with an identity matrix, one used by operand k alone with ones."""
    lhs, out = equation.split("->")
    terms = lhs.split(",")
    sizes = _letter_sizes(terms, xs)
    dtype = getattr(g, "dtype", None)
    grads = []
    for k, target in enumerate(terms):
        if not needs[k]:
            grads.append(None)
            continue
        others = [t for j, t in enumerate(terms) if j != k]
        seen = set(out).union(*others)
        spare = iter(c for c in _LETTERS if c not in equation)
        subs, extra, result = [out] + others, [], []
        for c in target:
            if c in result:                       # a repeated letter: the gradient lives on the diagonal
                fresh = next(spare)
                subs.append(c + fresh)
                extra.append(np.eye(sizes[c], dtype=dtype))
                result.append(fresh)
                continue
            if c not in seen:                     # summed within this operand alone: every element counts
                subs.append(c)
                extra.append(np.ones(sizes[c], dtype=dtype))
                seen.add(c)
            result.append(c)
        operands = [g] + [x for j, x in enumerate(xs) if j != k] + extra
        grad = einsum(*operands, equation=",".join(subs) + "->" + "".join(result))
        full = tuple(sizes[c] for c in target)          # an operand broadcast against size-1 dimensions
        grads.append(grad if grad.shape == full else broadcast_to(grad, shape=full))
    return grads


@defop("einsum", vjp_all=_einsum_grads)
def einsum(*xs, equation):
    """Sums of products named by an explicit ``equation`` (``'ij,jk->ik'``; see :func:`explicit_equation`).

    Small operands go straight to NumPy's loop; with more than two, or larger ones, NumPy plans the order and
    uses BLAS (planning costs ~15 us, which a 4x4 product does not repay; a 64x64 one runs 3x faster)."""
    plan = len(xs) > 2 or sum(np.size(x) for x in xs) > 1024
    return np.einsum(equation, *xs, optimize=plan)


# --- triangles and diagonals --------------------------------------------------------------------------------

@defop("tril", vjps=(lambda g, ans, x, diagonal=0: tril(g, diagonal=diagonal),))
def tril(x, diagonal=0):
    """The lower triangle of the last two dimensions (on and below ``diagonal``), zeros above."""
    _check_matrix(x, "tril")
    return np.tril(x, diagonal)


@defop("triu", vjps=(lambda g, ans, x, diagonal=0: triu(g, diagonal=diagonal),))
def triu(x, diagonal=0):
    """The upper triangle of the last two dimensions (on and above ``diagonal``), zeros below."""
    _check_matrix(x, "triu")
    return np.triu(x, diagonal)


def _check_matrix(x, name):
    if np.ndim(x) < 2:
        raise ShapeError(f"{name}: needs a tensor with at least 2 dimensions, got shape {np.shape(x)}.")


def _diagonal_places(shape, k):
    n = len(np.diagonal(np.empty(shape, dtype=bool), k))
    rows = np.arange(n) + max(-k, 0)
    return rows, rows + k


def _diag_grad(g, ans, x, diagonal=0):
    if x.ndim == 1:
        return diag(g, diagonal=diagonal)
    return index_add(g, index=_diagonal_places(x.shape, diagonal), shape=x.shape)


@defop("diag", vjps=(_diag_grad,))
def diag(x, diagonal=0):
    """A 1-D tensor as the ``diagonal``-th diagonal of a square matrix; a matrix's ``diagonal``-th diagonal."""
    if np.ndim(x) not in (1, 2):
        raise ShapeError(f"diag: needs a 1-D or 2-D tensor, got shape {np.shape(x)}.")
    return np.diag(x, diagonal).copy()
