"""The default dtype, and what data becomes as a tensor's array."""
from __future__ import annotations

import numpy as np

from .. import autograd
from ..ops import promotion as _promotion

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the dtype that Python floats (and lists of them) become; float32 unless changed."""
    global _default_dtype
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: the default dtype must be a floating type, got {d}.")
    _default_dtype = d
    _promotion.set_default_float(d)


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32 by default)."""
    return _default_dtype


def _to_array(data, dtype=None, copy=True):
    if isinstance(data, autograd.TensorBase):
        data = data.data
    if isinstance(data, np.ndarray):
        if dtype is None:
            arr = data.copy() if copy else data
        else:
            arr = data.astype(dtype, copy=copy)
    else:
        arr = np.array(data, dtype=dtype)
        if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.generic):
            arr = arr.astype(_default_dtype, copy=False)
    if arr.dtype.kind not in "biufc":         # object, strings, bytes, dates: not numbers
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} data of dtype {arr.dtype}; "
                        f"pass numbers, nested lists of numbers or a numeric NumPy array.")
    return arr


def _check_grad_dtype(dtype, requires_grad):
    if requires_grad and dtype.kind not in "fc":
        raise TypeError(f"only floating-point tensors can require gradients, got dtype {dtype}; "
                        f"create it with a float dtype, e.g. cr.tensor(data, dtype='float32').")

