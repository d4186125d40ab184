"""L2 regularization as a differentiable penalty: ``loss = data_loss + l2_penalty(model, lam)``.

The lecture's advice (section 3.1): a big network with strong regularization, not a small network.
``l2_penalty(model, lam) = lam * sum(W**2)`` over the weight matrices (parameters with ``ndim >= 2``); biases
are left out by default, as in CS231n. Its gradient is ``2 * lam * W``, so it matches an optimizer's
``weight_decay = 2 * lam`` (for plain SGD); CS231n's ``0.5 * reg * sum(W**2)`` is ``l2_penalty(model, reg / 2)``.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..ops.fused import sumsq
from ..tensor import Tensor, get_default_dtype

__all__ = ["l2_penalty", "regularized_parameters"]


def _regularized(p, include_bias: bool) -> bool:
    """The rule: weights (``ndim >= 2``) are penalised, biases only if asked."""
    return include_bias or p.data.ndim >= 2


def regularized_parameters(model, include_bias: bool = False) -> list:
    """``(name, parameter)`` pairs that :func:`l2_penalty` sums over: weights (``ndim >= 2``), plus biases if asked."""
    return [(n, p) for n, p in model.named_parameters() if _regularized(p, include_bias)]


def l2_penalty(model, lam: float, include_bias: bool = False):
    """``lam * sum(W**2)`` over the model's weight matrices, a differentiable scalar tensor.

    ``model`` is a Module (or an iterable of parameters, all of which are then included). ``lam`` must be
    >= 0. Returns a 0-d tensor (0.0 when ``lam == 0``, still a tensor so it can be added to a loss).
    """
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or lam < 0:
        raise ConfigError(f"l2_penalty: lam must be a number >= 0, got {lam!r}.")
    if hasattr(model, "named_parameters"):
        params = [p for p in model.parameters() if _regularized(p, include_bias)]  # no names needed here
    else:
        params = list(model) if hasattr(model, "__iter__") and not isinstance(model, Tensor) else [model]
        bad = next((p for p in params if not isinstance(p, Tensor)), None)
        if bad is not None or isinstance(model, Tensor):
            raise TypeError(f"l2_penalty: pass a Module or a list of parameters (Tensors), not "
                            f"{type(bad if bad is not None else model).__name__}.")
    if not params:
        return Tensor(np.zeros((), dtype=get_default_dtype()))
    return sumsq(*params, scale=float(lam))  # one node; one BLAS call per weight, no W**2 temporary
