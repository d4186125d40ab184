"""Creating tensors: ``tensor`` (a copy of any data) and the factories (zeros, ones, randn, arange, ...)."""
from __future__ import annotations

import numpy as np

from ..errors import ChainruleError
from . import dtypes as _dtypes
from .arguments import _shape_arg
from .core import Tensor
from .dtypes import _to_array


def tensor(data, dtype=None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats (and lists of them) become the default dtype (float32), ints become int64; NumPy arrays
    keep their dtype unless ``dtype`` is given. Only floating tensors may set ``requires_grad``.
    """
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"tensor: {dtype!r} is not a dtype; use e.g. 'float32', 'float64' or 'int64'.") from None
    try:
        arr = _to_array(data, dtype)
    except (TypeError, ValueError) as e:
        if isinstance(e, ChainruleError) or str(e).startswith("tensor:"):
            raise
        raise TypeError(f"tensor: cannot convert {type(data).__name__} to a numeric array ({e}).") from None
    return Tensor(arr, requires_grad=requires_grad, name=name)


def _size_arg(shape: tuple, name: str) -> tuple:
    """The shape of a new tensor: non-negative integers, as ``f(2, 3)`` or ``f((2, 3))``; else a clear error."""
    shape = _shape_arg(shape)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{name}: sizes must be integers, got {n!r} in the shape {shape}.")
        if n < 0:
            raise ValueError(f"{name}: sizes must be >= 0, got {n} in the shape {shape}.")
    return shape


def _factory(fill):
    def make(*shape, dtype=None, requires_grad=False):
        shape = _size_arg(shape, fill.__name__)
        return Tensor(fill(shape, np.dtype(dtype) if dtype else _dtypes._default_dtype), requires_grad=requires_grad)
    return make


zeros = _factory(np.zeros)
ones = _factory(np.ones)
zeros.__doc__ = "A tensor of zeros of the given shape (default dtype float32)."
ones.__doc__ = "A tensor of ones of the given shape (default dtype float32)."


def full(shape, fill_value, dtype=None, requires_grad=False) -> Tensor:
    shape = _size_arg((shape,), "full")
    return Tensor(np.full(shape, fill_value, dtype=np.dtype(dtype) if dtype else _dtypes._default_dtype),
                  requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples drawn from chainrule's seeded generator (see :func:`chainrule.manual_seed`)."""
    from ..random import generator
    shape = _size_arg(shape, "randn")
    return Tensor(generator().standard_normal(shape, dtype=np.dtype(dtype or _dtypes._default_dtype)),
                  requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples from chainrule's seeded generator."""
    from ..random import generator
    shape = _size_arg(shape, "rand")
    return Tensor(generator().random(shape, dtype=np.dtype(dtype or _dtypes._default_dtype)),
                  requires_grad=requires_grad)


def arange(*args, dtype=None) -> Tensor:
    """``arange(end)``, ``arange(start, end, step)``: int64 for integer arguments, else the default dtype."""
    arr = np.arange(*args, dtype=dtype)
    return Tensor(arr.astype(_dtypes._default_dtype) if dtype is None and arr.dtype.kind == "f" else arr)


def eye(n, m=None, *, dtype=None, requires_grad=False) -> Tensor:
    """The n x m identity matrix (square by default), in the default dtype unless ``dtype`` is given."""
    for k in (n,) if m is None else (n, m):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"eye: sizes must be integers >= 0, got {k!r}.")
    return Tensor(np.eye(n, m, dtype=np.dtype(dtype) if dtype else _dtypes._default_dtype), requires_grad=requires_grad)


def linspace(start, end, steps, *, dtype=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be an integer >= 0, got {steps!r}.")
    values = np.linspace(float(start), float(end), steps)
    return Tensor(values.astype(np.dtype(dtype) if dtype else _dtypes._default_dtype), requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, requires_grad=False) -> Tensor:
    """A tensor of ``input``'s shape (and dtype, unless ``dtype`` is given) filled with ``fill_value``."""
    return Tensor(np.full_like(np.asarray(input), fill_value, dtype=dtype), requires_grad=requires_grad)


def from_numpy(ndarray) -> Tensor:
    """A tensor that shares ``ndarray``'s memory and dtype (no copy), as ``torch.from_numpy``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(ndarray).__name__}; "
                        f"use cr.tensor(data) for other data.")
    if ndarray.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: the array's dtype {ndarray.dtype} is not numeric.")
    return Tensor(ndarray)
