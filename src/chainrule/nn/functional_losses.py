"""Regression and divergence losses of ``torch.nn.functional``: smooth L1, Huber, KL divergence.

Each is a composition of differentiable ops (``where`` routes the gradient to the branch each element is
on), so first and higher derivatives come from the op table. Shapes must match exactly, as for every
element-wise loss of chainrule.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..ops import elementwise as _ew
from ..ops.registry import raw
from ..tensor import Tensor
from ._reduction import _as_float_target, _check_reduction, _check_same_shape, _dtype, _legacy_reduction, _reduce

__all__ = ["smooth_l1_loss", "huber_loss", "kl_div"]


def _difference(input, target, name, reduction):
    _check_reduction(reduction, name)
    _check_same_shape(input, target, name, reduction)
    return input - _as_float_target(target, input, name)


def _piecewise(d, threshold, scale):
    """``0.5 d^2 / scale`` where ``|d| < threshold``, else ``(|d| - 0.5 threshold) * threshold / scale``."""
    a = _ew.abs(d)
    inside = np.asarray(raw(a)) < threshold
    return _ew.where(inside, d * d * (0.5 / scale), (a - 0.5 * threshold) * (threshold / scale))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``), as PyTorch;
    ``beta=0`` is :func:`l1_loss`. Its gradient is ``d / beta`` inside, ``sign(d)`` outside."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta!r}.")
    d = _difference(input, target, "smooth_l1_loss", reduction)
    if beta == 0:
        return _reduce(_ew.abs(d), reduction)
    return _reduce(_piecewise(d, beta, beta), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``: ``delta`` times
    :func:`smooth_l1_loss` with ``beta=delta``, as PyTorch. ``weight`` (the input's shape) rescales each
    element before the reduction."""
    if not delta > 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta!r}.")
    d = _difference(input, target, "huber_loss", reduction)
    loss = _piecewise(d, delta, 1.0)
    if weight is not None:
        if tuple(np.shape(weight)) != tuple(np.shape(input)):
            raise ValueError("huber_loss: weights and input must have the same size.")
        loss = loss * (weight if isinstance(weight, Tensor) else np.asarray(weight, dtype=_dtype(input)))
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
    """The KL divergence of ``target`` from the distribution whose log-probabilities are ``input``, as
    PyTorch: ``target (log target - input)`` element-wise (0 where target is 0), or with ``log_target=True``
    ``exp(target) (target - input)``.

    ``reduction='batchmean'`` divides the sum by the batch size (the first dimension): the KL divergence of
    the maths. ``'mean'`` divides by the number of elements, with PyTorch's warning.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size and the support size; "
                      "'batchmean' divides only by the batch size, and aligns with the KL divergence's definition "
                      "(as in PyTorch).", UserWarning, stacklevel=2)
    _check_reduction(reduction, "kl_div", extra=("batchmean",))
    _check_same_shape(input, target, "kl_div", reduction)
    t = _as_float_target(target, input, "kl_div")
    if log_target:
        loss = _ew.exp(t) * (t - input)
    else:
        zero = np.asarray(raw(t)) == 0
        with np.errstate(invalid="ignore"):         # xlogy(t, t): 0 at t = 0, nan for t < 0 (as PyTorch)
            t_log_t = _ew.where(zero, 0.0, t * _ew.log(_ew.where(zero, 1.0, t)))
        loss = t_log_t - t * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / np.shape(input)[0] if np.ndim(input) else total
    return _reduce(loss, reduction)
