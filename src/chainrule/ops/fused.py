"""Fused neural-network kernels: one op, one hand-derived VJP, fewer temporaries than the composition.

- ``linear(x, W, b) = x @ W.T + b``: dx = g @ W, dW = g.T @ x, db = sum of g over the batch.
- ``cross_entropy``: log-softmax and negative log-likelihood in one pass; its gradient is
  ``softmax(scores) - onehot(target)``, using the probabilities saved by the forward pass.
- ``sumsq(*xs, scale)``: the L2 penalty ``scale * sum(x ** 2)`` over many tensors; gradient ``2 scale x``.
- ``binary_cross_entropy(p, y)``: elementwise, logs clamped at -100 as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .elementwise import log, where
from .linalg import check_matmul
from .reduce import softmax
from .registry import defop, raw, scaled


def _flat(a):
    return a.reshape((-1, a.shape[-1])) if a.ndim != 2 else a


def _linear_grads(g, ans, needs, x, w, b=None):
    """dx = g @ W, dW = g.T @ x, db = g summed over the batch: one function, so one call per node."""
    g2 = _flat(g)
    return (g @ w if needs[0] else None,
            g2.T @ _flat(x) if needs[1] else None,
            g2.sum(axis=0) if b is not None and needs[2] else None)


@defop("linear", vjp_all=_linear_grads)
def linear(x, w, b=None):
    """x @ W.T + b with W of shape (out_features, in_features), as ``torch.nn.functional.linear``."""
    check_matmul(np.shape(x), np.shape(w)[::-1], "linear")
    out = x @ w.T
    if b is not None:
        out += b
    return out


def _reduce(loss, reduction):
    if reduction == "mean":
        return np.add.reduce(loss) / loss.shape[0]   # np.mean costs 5 us more on a batch of 64
    if reduction == "sum":
        return np.add.reduce(loss)
    return loss


def _target_weights(target, n_classes, label_smoothing, dtype):
    """The target distribution: (1 - eps) on the label plus eps / C everywhere (eps = label smoothing)."""
    dist = np.full((target.shape[0], n_classes), label_smoothing / n_classes, dtype=dtype)
    dist[np.arange(target.shape[0]), target] += 1 - label_smoothing
    return dist


def _cross_entropy_grad(g, ans, scores, target, reduction="mean", label_smoothing=0.0, cache=None):
    n, c = scores.shape
    upstream = g * (1.0 / n) if reduction == "mean" else g if reduction == "sum" else g.reshape((n, 1))
    if cache is None:      # differentiable backward (create_graph): the same formula on tensors
        grad = softmax(scores, axis=1) - _target_weights(target, c, label_smoothing, scores.dtype)
        return grad * upstream
    probs, picks = cache   # first-order backward: the forward's probabilities, changed in a copy of ours
    grad = probs.copy()
    grad.reshape(-1)[picks] -= 1 - label_smoothing
    if label_smoothing:
        grad -= label_smoothing / c
    grad *= upstream
    return grad


@defop("cross_entropy", vjps=(_cross_entropy_grad, None), cached=True)
def cross_entropy(scores, target, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of (N, C) scores against N integer labels.

    Returns ``(loss, cache)``; the cache, the probabilities and the flat index of each row's label, is what
    backward needs (a 1-d index is twice as fast as the (row, label) pair).
    """
    n, c = scores.shape
    picks = np.arange(n) * c + target
    shifted = scores - scores.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)
    log_z = np.log(sums).reshape(n)
    loss = log_z - shifted.reshape(-1)[picks]
    if label_smoothing:
        mean_logp = shifted.mean(axis=1) - log_z
        loss = (1 - label_smoothing) * loss - label_smoothing * mean_logp
    exps /= sums
    return _reduce(loss, reduction), (exps, picks)


def _sumsq_grads(g, ans, needs, *xs, scale=1.0):
    g2 = g * (2.0 * scale)
    return [scaled(x, g2) if need else None for x, need in zip(xs, needs)]


@defop("sumsq", vjp_all=_sumsq_grads)
def sumsq(*xs, scale=1.0):
    """``scale * sum(x ** 2)`` over every element of every input: the whole L2 penalty as one node.

    Each input's sum is one BLAS call (``np.vdot``) with no ``x ** 2`` temporary; the gradient of input i
    is ``2 * scale * x_i``.
    """
    if not xs:
        raise ValueError("sumsq needs at least one input.")
    total = 0.0
    for x in xs:
        flat = np.ravel(x)
        total = total + np.vdot(flat, flat)
    return np.asarray(total * scale)


_LOG_FLOOR = -100.0                  # PyTorch clamps log(p) at -100, so that p = 0 gives a finite loss
_LOG_EDGE = np.exp(_LOG_FLOOR)       # below this, log(p) is clamped and its gradient is 0


def _clamped_log_array(q):
    """max(log q, -100) as the composition computes it: log where q > e^-100, else exactly -100."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(np.log(q))
    outside = ~(q > _LOG_EDGE)
    if outside.any():
        np.copyto(out, _LOG_FLOOR, where=outside)
    return out


def _inverse_inside(q):
    """1 / q where q > e^-100, else 0: the gradient of the clamped log (arrays)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # clamped entries are zeroed next
        out = np.asarray(np.divide(1, q, dtype=q.dtype))
    outside = ~(q > _LOG_EDGE)
    if outside.any():
        np.copyto(out, 0, where=outside)
    return out


def _bce_grad_p(g, ans, p, y):
    if not isinstance(p, np.ndarray):   # create_graph: the same formula with ops, differentiable again
        q = 1 - p
        inv_p = where(raw(p) > _LOG_EDGE, 1 / where(raw(p) > _LOG_EDGE, p, 1), 0)
        inv_q = where(raw(q) > _LOG_EDGE, 1 / where(raw(q) > _LOG_EDGE, q, 1), 0)
        return g * ((1 - y) * inv_q - y * inv_p)
    d = _inverse_inside(np.subtract(1, p, dtype=p.dtype))   # d/dp = (1 - y) / (1 - p) - y / p
    d *= 1 - y
    d -= y * _inverse_inside(p)
    d *= g
    return d


def _bce_grad_y(g, ans, p, y):
    if not isinstance(p, np.ndarray):
        q = 1 - p
        lp = where(raw(p) > _LOG_EDGE, log(where(raw(p) > _LOG_EDGE, p, 1)), _LOG_FLOOR)
        lq = where(raw(q) > _LOG_EDGE, log(where(raw(q) > _LOG_EDGE, q, 1)), _LOG_FLOOR)
        return g * (lq - lp)
    d = _clamped_log_array(np.subtract(1, p, dtype=p.dtype))
    d -= _clamped_log_array(p)
    d *= g
    return d


@defop("binary_cross_entropy", vjps=(_bce_grad_p, _bce_grad_y))
def binary_cross_entropy(p, y):
    """Elementwise ``-(y log p + (1 - y) log(1 - p))`` of probabilities p, each log clamped at -100.

    One op instead of about fifteen: the value of the composition, and in backward
    ``(1 - y) / (1 - p) - y / p`` (0 from a clamped log), with no mask routed through ``where``.
    """
    a = _clamped_log_array(p)
    a *= y
    b = _clamped_log_array(np.subtract(1, p, dtype=np.result_type(p)))
    b *= 1 - y
    a += b
    np.negative(a, out=a)
    return a
