"""Functional forms of activations and losses, as ``torch.nn.functional``: ``import chainrule.nn.functional as F``."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import elementwise as _ew
from ..ops import fused as _fused
from ..ops import reduce as _red
from ..tensor import Tensor

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax",
           "log_softmax", "linear", "cross_entropy"]


def relu(x):
    """max(0, x)."""
    return _ew.relu(x)


def leaky_relu(x, negative_slope: float = 0.01):
    """max(negative_slope * x, x)."""
    return _ew.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha: float = 1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _ew.elu(x, alpha=alpha)


def gelu(x, approximate: str = "none"):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}.")
    return _ew.gelu(x, approximate=approximate)


def silu(x):
    """x * sigmoid(x)."""
    return _ew.silu(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), stable for any x."""
    return _ew.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent."""
    return _ew.tanh(x)


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""
    return _ew.softplus(x, beta=beta, threshold=threshold)


def softmax(x, axis: int = -1):
    """Probabilities along ``axis``."""
    return _red.softmax(x, axis=axis)


def log_softmax(x, axis: int = -1):
    """Log-probabilities along ``axis``."""
    return _red.log_softmax(x, axis=axis)


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight of shape (out_features, in_features)."""
    return _fused.linear(x, weight, bias)


def _check_targets(scores, target, name):
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if scores.ndim != 2:
        raise ShapeError(f"{name}: scores must have shape (N, C), got {tuple(scores.shape)}.")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: targets must be integer class indices, got dtype {t.dtype}; "
                        f"convert them with .astype(int).")
    if t.shape != (scores.shape[0],):
        raise ShapeError(f"{name}: {scores.shape[0]} rows of scores but targets of shape {t.shape}; "
                         f"pass one integer label per row.")
    if t.size and (t.min() < 0 or t.max() >= scores.shape[1]):
        bad = t[(t < 0) | (t >= scores.shape[1])][0]
        raise ValueError(f"{name}: label {bad} is out of range for {scores.shape[1]} classes "
                         f"(labels must be in 0..{scores.shape[1] - 1}).")
    if scores.shape[0] == 0:
        raise ValueError(f"{name}: the batch is empty.")
    return t


def cross_entropy(input, target, reduction: str = "mean", label_smoothing: float = 0.0):
    """Softmax cross-entropy of (N, C) scores and N integer labels, fused and stable.

    Its gradient with respect to the scores is ``softmax(scores) - onehot(target)`` (divided by N for
    ``reduction='mean'``). ``reduction`` is ``'mean'``, ``'sum'`` or ``'none'``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}.")
    t = _check_targets(input, target, "cross_entropy")
    return _fused.cross_entropy(input, t, reduction=reduction, label_smoothing=label_smoothing)
