"""Gradient utilities, as ``torch.nn.utils``: ``clip_grad_norm_``."""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_"]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale the gradients of ``parameters`` so that their joint ``norm_type``-norm is at most ``max_norm``.

    The joint norm is the norm of the per-parameter norms (PyTorch's), and the scale is
    ``min(1, max_norm / (total + 1e-6))``. Returns the total norm before clipping, a 0-d tensor. Each
    ``.grad`` keeps its tensor object; its array is replaced, not written into, since gradient arrays may be
    shared. ``foreach`` is accepted for PyTorch compatibility and ignored.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    if norm_type == math.inf:
        norms = [np.max(np.abs(g.data)) if g.data.size else np.zeros((), g.data.dtype) for g in grads]
        total = np.max(norms)
    else:
        norms = [np.linalg.norm(g.data.ravel(), norm_type) for g in grads]
        total = np.linalg.norm(np.array(norms), norm_type)
    dtype = np.result_type(*[g.data.dtype for g in grads])
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
                           f"so they cannot be clipped; pass error_if_nonfinite=False to clip anyway.")
    scale = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    if scale < 1.0 or not np.isfinite(scale):
        for g in grads:
            g.data = g.data * np.asarray(scale, dtype=g.data.dtype)
    return Tensor(total)
