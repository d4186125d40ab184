"""Reductions with NumPy's ``axis``/``keepdims``: sum, mean, max, min, var, logsumexp, softmax, log_softmax.

The backward of a reduction broadcasts the upstream gradient back over the reduced axes: the copy gate seen
from the other side (one value was used by every element it summarised).
"""
from __future__ import annotations

import numpy as np

from .elementwise import exp
from .registry import defop, expand_reduced, raw
from .shape import broadcast_to


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape)) if shape else 1
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    return int(np.prod([shape[a] for a in axes]))


def _sum_grad(g, ans, x, axis=None, keepdims=False):
    return broadcast_to(expand_reduced(g, x.shape, axis, keepdims), x.shape)


@defop("sum", vjps=(_sum_grad,))
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes by default)."""
    return np.sum(x, axis=axis, keepdims=keepdims)


def _mean_grad(g, ans, x, axis=None, keepdims=False):
    return _sum_grad(g, ans, x, axis, keepdims) * (1.0 / _count(x.shape, axis))


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

