"""``normal`` and ``empty``: the random and uninitialized factories whose dtype can be the default float
(:func:`chainrule.get_default_dtype`); the other random functions are in :mod:`chainrule.sampling`."""
from __future__ import annotations

import numpy as np

from . import autograd
from .errors import ArgumentError, DeviceError
from .ops.registry import raw
from .sampling import _new, _rates_sample, _rng, _size, _standard_normal
from .tensor import _shape_arg, get_default_dtype

__all__ = ["normal", "empty"]


def _options(name, kw):
    """PyTorch's factory keywords that change nothing on the CPU; any other keyword is a TypeError."""
    for k in ("out", "layout", "pin_memory", "memory_format"):
        kw.pop(k, None)
    device = kw.pop("device", None)
    if device is not None and str(device).split(":")[0] != "cpu":
        raise DeviceError(f"{name}: device {str(device)!r} is not available; chainrule computes on the CPU.")
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kw))!r}.")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False, **kw):
    """Normal samples: ``normal(mean, std)`` with tensors or numbers broadcast together, or ``normal(mean, std,
    size)`` with two numbers. Its gradient is 0, as PyTorch's (for a reparameterized sample write
    ``mean + std * randn_like(mean)``)."""
    _options("normal", kw)
    tensors = [a for a in (mean, std) if isinstance(a, autograd.TensorBase)]
    if not tensors:
        if size is None:
            raise TypeError("normal(): with a number mean and std, the size is required: normal(mean, std, size).")
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if std < 0:
            raise ArgumentError(f"normal expects std >= 0.0, but found std {std}.")
        eps = _standard_normal(_rng(generator), _size(tuple(size), "normal"), dtype)
        return _new((mean + std * eps).astype(dtype, copy=False), requires_grad)
    if size is not None or dtype is not None:
        raise TypeError("normal(): size and dtype go with a number mean and std only; the tensors give both.")
    if np.size(raw(std)) and not (np.asarray(raw(std)) >= 0).all():
        raise ArgumentError("normal expects all elements of std >= 0.0.")
    out_dtype = np.result_type(*[t.dtype for t in tensors])
    shape = np.broadcast_shapes(np.shape(raw(mean)), np.shape(raw(std)))
    eps = _standard_normal(_rng(generator), shape, out_dtype)
    sample = (raw(mean) + raw(std) * eps).astype(out_dtype, copy=False)
    return _rates_sample(tensors[0] if len(tensors) == 1 else mean + std, sample)


def empty(*size, dtype=None, requires_grad=False, **kw):
    """An uninitialized tensor of ``size`` (``empty(2, 3)`` or ``empty((2, 3))``), the default dtype unless
    ``dtype`` is given."""
    _options("empty", kw)
    if not size:
        raise TypeError("empty() missing 1 required positional argument: 'size'.")
    shape = _size(list(_shape_arg(size)), "empty")
    return _new(np.empty(shape, np.dtype(dtype) if dtype is not None else get_default_dtype()), requires_grad)
