"""How the tensor's methods read their arguments: a shape as ``f(2, 3)`` or ``f((2, 3))``, ``size(dim)``, both
spellings of dim/axis, and what ``to(...)`` asks for."""
from __future__ import annotations

import numpy as np

from .. import autograd
from ..errors import AxisError, DeviceError
from ..ops import registry as _registry
from ..ops.registry import var_sizes as _shape_arg


class _Size(int):
    """``x.size``: NumPy's element count, and callable as PyTorch's ``x.size()`` / ``x.size(dim)``."""

    def __new__(cls, array):
        n = super().__new__(cls, array.size)
        n._shape = array.shape
        return n

    def __call__(self, dim=None):
        if dim is None:
            return self._shape
        if not self._shape:
            raise AxisError(f"size({dim}): the tensor is 0-d, it has no dims; call size() for its shape ().")
        return self._shape[_registry.normalize_axis(dim, len(self._shape), "size")]

    def __repr__(self):
        return int.__repr__(self)


def _np_reduction(name, ndim, dim, keepdim, axis, keepdims):
    """NumPy's ``axis``/``keepdims`` from both spellings, axes checked as PyTorch does."""
    axis = _registry.normalize_axis(_registry.one_of(name, "dim", dim, "axis", axis), ndim, name)
    return {"axis": axis, "keepdims": bool(_registry.one_of(name, "keepdim", keepdim or None, "keepdims", keepdims,
                                                            False))}


def _is_dtype_name(text):
    try:
        np.dtype(text)
    except TypeError:
        return False
    return True


def to_arguments(name, args, kw):
    """The dtype that ``to(...)`` asks for (``None`` for none); a device other than the CPU is refused."""
    dtype, device = kw.pop("dtype", None), kw.pop("device", None)
    kw.pop("non_blocking", None), kw.pop("copy", None), kw.pop("memory_format", None)
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kw))!r}.")
    for a in args:
        if isinstance(a, bool):                     # non_blocking, copy
            continue
        if isinstance(a, autograd.TensorBase):
            dtype = a.dtype
        elif isinstance(a, str) and not _is_dtype_name(a) or type(a).__name__ == "device":
            device = a
        else:
            dtype = a
    if device is not None and str(device).split(":")[0] != "cpu":
        raise DeviceError(f"{name}: device {str(device)!r} is not available; chainrule computes with NumPy on "
                          f"the CPU, so use 'cpu' or leave the device out.")
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{name}: {dtype!r} is neither a dtype nor a device; pass e.g. cr.float32 or "
                            f"'cpu'.") from None
    return dtype

