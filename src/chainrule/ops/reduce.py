"""Reductions with NumPy's ``axis``/``keepdims``: sum, mean, max, min, var, logsumexp, softmax, log_softmax,
prod, cumsum (a scan) and the vector norm.

The backward of a reduction broadcasts the upstream gradient back over the reduced axes: the copy gate seen
from the other side (one value was used by every element it summarised).
"""
from __future__ import annotations

import numpy as np

from .elementwise import abs, exp, where
from .registry import defop, expand_reduced, raw
from .shape import broadcast_to, getitem


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape)) if shape else 1
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    return int(np.prod([shape[a] for a in axes]))


def _sum_grad(g, ans, x, axis=None, keepdims=False):
    g = expand_reduced(g, x.shape, axis, keepdims)
    if isinstance(g, (np.ndarray, np.generic)):     # a read-only view, no copy; keeps g's dtype (a float32
        return np.broadcast_to(g, x.shape)           # scalar through the op would become a weak Python float)
    return broadcast_to(g, x.shape)


@defop("sum", vjps=(_sum_grad,))
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes by default)."""
    return np.sum(x, axis=axis, keepdims=keepdims)


def _mean_grad(g, ans, x, axis=None, keepdims=False):
    return _sum_grad(g * (1.0 / _count(x.shape, axis)), ans, x, axis, keepdims)  # scaled before it is broadcast


@defop("mean", vjps=(_mean_grad,))
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``."""
    return np.mean(x, axis=axis, keepdims=keepdims)


def _extreme_grad(g, ans, x, axis=None, keepdims=False):
    rx = raw(x)
    winners = rx == expand_reduced(raw(ans), rx.shape, axis, keepdims)
    share = winners / winners.sum(axis=axis, keepdims=True)  # ties split the gradient equally
    return expand_reduced(g, rx.shape, axis, keepdims) * share.astype(rx.dtype, copy=False)


@defop("max", vjps=(_extreme_grad,), uses_ans=True, gate="router")
def max(x, axis=None, keepdims=False):
    """Largest value over ``axis``; the gradient goes to the winner (split equally among ties)."""
    return np.max(x, axis=axis, keepdims=keepdims)


@defop("min", vjps=(_extreme_grad,), uses_ans=True, gate="router")
def min(x, axis=None, keepdims=False):
    """Smallest value over ``axis``; the gradient goes to the winner (split equally among ties)."""
    return np.min(x, axis=axis, keepdims=keepdims)


def _var_grad(g, ans, x, axis=None, ddof=0, keepdims=False):
    centered = x - mean(x, axis=axis, keepdims=True)
    return expand_reduced(g, x.shape, axis, keepdims) * centered * (2.0 / (_count(x.shape, axis) - ddof))


@defop("var", vjps=(_var_grad,))
def var(x, axis=None, ddof=0, keepdims=False):
    """Variance over ``axis`` (NumPy's default ``ddof=0``; PyTorch's ``unbiased`` is ``ddof=1``)."""
    return np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _logsumexp_grad(g, ans, x, axis=None, keepdims=False):
    return expand_reduced(g, x.shape, axis, keepdims) * exp(x - expand_reduced(ans, x.shape, axis, keepdims))


@defop("logsumexp", vjps=(_logsumexp_grad,), uses_ans=True)
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably by shifting by the max."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


@defop("softmax", vjps=(lambda g, ans, x, axis=-1: ans * (g - sum(g * ans, axis=axis, keepdims=True)),),
       uses_ans=True)
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the max so large scores do not overflow."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


@defop("log_softmax", vjps=(lambda g, ans, x, axis=-1: g - exp(ans) * sum(g, axis=axis, keepdims=True),),
       uses_ans=True)
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``: log-probabilities, stable for any scores."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))



def _prod_grad(g, ans, x, axis=None, keepdims=False):
    """d prod / d x_i = the product of the others: ans / x_i without zeros; with one zero in a slice, the
    product of the nonzeros at the zero (0 elsewhere); with two, each zero gets the other times that product."""
    rx = raw(x)
    g = expand_reduced(g, rx.shape, axis, keepdims)
    ans = expand_reduced(ans, rx.shape, axis, keepdims)
    zero = rx == 0
    if not zero.any():
        return g * ans / x
    zeros = zero.sum(axis=axis, keepdims=True)
    nonzero_part = prod(where(zero, 1, x), axis=axis, keepdims=True)
    zero_sum = sum(where(zero, x, 0), axis=axis, keepdims=True)   # 0, but its derivative counts the zeros
    at_zero = where(zeros == 1, nonzero_part, where(zeros == 2, (zero_sum - x) * nonzero_part, 0))
    return g * where(zero, at_zero, ans / where(zero, 1, x))


@defop("prod", vjps=(_prod_grad,), uses_ans=True)
def prod(x, axis=None, keepdims=False):
    """Product over ``axis`` (all axes by default); the gradient is exact with zeros among the factors."""
    return np.prod(x, axis=axis, keepdims=keepdims)


def _reversed(a, axis):
    return getitem(a, index=(slice(None),) * (axis % a.ndim) + (slice(None, None, -1),))


def _cumsum_grad(g, ans, x, axis):
    if g.ndim == 0:
        return g
    return _reversed(cumsum(_reversed(g, axis), axis=axis), axis)


@defop("cumsum", vjps=(_cumsum_grad,))
def cumsum(x, axis):
    """Running sums along ``axis``; backward is the running sum of the gradient from the other end."""
    if x.ndim == 0:
        return np.array(np.cumsum(x.reshape(1), axis=axis)[0])
    return np.cumsum(x, axis=axis)


def _norm_grad(g, ans, x, p=2.0, axis=None, keepdims=False):
    rx = raw(x)
    g = expand_reduced(g, rx.shape, axis, keepdims)
    if p == 0:
        return g * np.zeros_like(rx)
    sign = np.sign(rx)
    if p == 1:
        return g * sign
    n = expand_reduced(ans, rx.shape, axis, keepdims)
    if p in (np.inf, -np.inf):
        winners = np.abs(rx) == raw(n)
        share = winners / winners.sum(axis=axis, keepdims=True)    # ties split the gradient, as PyTorch
        return g * (sign * share).astype(rx.dtype, copy=False)
    empty = raw(n) == 0
    safe = where(empty, 1, n)                                      # a zero norm has gradient 0 (PyTorch's choice)
    if p == 2:
        return where(empty, 0, g * x / safe)
    return where(empty, 0, g * sign * abs(x) ** (p - 1) / safe ** (p - 1))


@defop("norm", vjps=(_norm_grad,), uses_ans=True)
def norm(x, p=2.0, axis=None, keepdims=False):
    """The vector ``p``-norm over ``axis`` (all axes by default): (sum |x|^p)^(1/p), max |x| for inf,
    the count of nonzeros for 0."""
    a = np.abs(x)
    if p == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    if p == np.inf:
        return np.max(a, axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return np.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    if p == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


@defop("argsort")
def argsort(x, axis=-1, descending=False, stable=False):
    """The int64 indices that sort x along ``axis`` (NaN counts as the largest value; equal values keep
    their order when ``stable``); not differentiable."""
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    kind = "stable" if stable else None
    if not descending:
        return np.argsort(x, axis=axis, kind=kind).astype(np.int64, copy=False)
    backwards = np.argsort(np.flip(x, axis), axis=axis, kind=kind)     # reversed, so ties keep their order
    return (x.shape[axis] - 1 - np.flip(backwards, axis)).astype(np.int64, copy=False)
