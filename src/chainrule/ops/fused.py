"""Fused neural-network kernels: one op, one hand-derived VJP, fewer temporaries than the composition.

- ``linear(x, W, b) = x @ W.T + b``: dx = g @ W, dW = g.T @ x, db = sum of g over the batch.
- ``cross_entropy``: log-softmax and negative log-likelihood in one pass; its gradient is
  ``softmax(scores) - onehot(target)``, using the probabilities saved by the forward pass.
"""
from __future__ import annotations

import numpy as np

from .linalg import check_matmul
from .reduce import softmax
from .registry import defop


def _flat(a):
    return a.reshape((-1, a.shape[-1])) if a.ndim != 2 else a


@defop("linear", vjps=(
    lambda g, ans, x, w, b=None: g @ w,
    lambda g, ans, x, w, b=None: _flat(g).T @ _flat(x),
    lambda g, ans, x, w, b=None: g.sum(axis=tuple(range(g.ndim - 1))),
))
def linear(x, w, b=None):
    """x @ W.T + b with W of shape (out_features, in_features), as ``torch.nn.functional.linear``."""
    check_matmul(np.shape(x), np.shape(w)[::-1], "linear")
    out = x @ w.T
    if b is not None:
        out += b
    return out


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean(dtype=loss.dtype)
    if reduction == "sum":
        return loss.sum(dtype=loss.dtype)
    return loss


def _target_weights(target, n_classes, label_smoothing, dtype):
    """The target distribution: (1 - eps) on the label plus eps / C everywhere (eps = label smoothing)."""
    dist = np.full((target.shape[0], n_classes), label_smoothing / n_classes, dtype=dtype)
    dist[np.arange(target.shape[0]), target] += 1 - label_smoothing
    return dist


def _cross_entropy_grad(g, ans, scores, target, reduction="mean", label_smoothing=0.0, cache=None):
    n, c = scores.shape
    rows = np.arange(n)
    if cache is not None:  # first-order backward: reuse the forward's probabilities, subtract in place
        grad = cache.copy()
        grad[rows, target] -= 1 - label_smoothing
        if label_smoothing:
            grad -= label_smoothing / c
    else:                  # differentiable backward (create_graph): the same formula on tensors
        grad = softmax(scores, axis=1) - _target_weights(target, c, label_smoothing, scores.dtype)
    if reduction == "mean":
        return grad * (g * (1.0 / n))
    if reduction == "sum":
        return grad * g
    return grad * g.reshape((n, 1))


@defop("cross_entropy", vjps=(_cross_entropy_grad, None), cached=True)
def cross_entropy(scores, target, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of (N, C) scores against N integer labels; returns ``(loss, probabilities)``."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)
    rows = np.arange(scores.shape[0])
    log_z = np.log(sums)
    loss = log_z[:, 0] - shifted[rows, target]
    if label_smoothing:
        mean_logp = shifted.mean(axis=1) - log_z[:, 0]
        loss = (1 - label_smoothing) * loss - label_smoothing * mean_logp
    exps /= sums
    return _reduce(loss, reduction), exps


@defop("sumsq", vjps=(lambda g, ans, x: x * (g * 2),))
def sumsq(x):
    """sum(x ** 2) without the temporary x ** 2: the L2 penalty's core (``np.vdot``, one BLAS call)."""
    flat = np.ravel(x)
    return np.asarray(np.vdot(flat, flat))
