"""Tensor: a NumPy array, its gradient, and the node of the graph that made it.

Operators and methods dispatch to the ops in :mod:`chainrule.ops`; nothing here computes a derivative.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import autograd
from .everyday import EverydayMethods
from .functions import TensorMethods
from .errors import AxisError, ChainruleError, DeviceError, ShapeError
from .inplace import InplaceMethods, plain_index
from .products import ProductMethods
from .search import SearchMethods
from .selection import SelectionMethods
from .special import SpecialMethods
from .stats import StatsMethods
from .layout import LayoutMethods
from .sampling import SamplingMethods
from .comparisons import ComparisonMethods
from .indexing_ops import IndexingMethods
from .printing import format_values
from .ops import elementwise as _ew, fused as _fused, linalg as _linalg, reduce as _red, shape as _shp
from .ops import promotion as _promotion, registry as _registry

__all__ = ["Tensor", "tensor", "set_default_dtype", "get_default_dtype", "zeros", "ones", "randn", "rand",
           "arange", "zeros_like", "ones_like", "full", "eye", "linspace", "full_like", "from_numpy"]

_default_dtype = np.dtype(np.float32)

# The operators' two-input path of each op (Op.binary), looked up once: they are the engine's hottest calls.
_add, _sub, _mul, _div, _pow, _matmul = (op.binary for op in (_ew.add, _ew.sub, _ew.mul, _ew.div, _ew.pow,
                                                              _linalg.matmul))
_floordiv, _mod = _ew.floor_divide.binary, _ew.remainder.binary
_eq, _ne, _lt, _le, _gt, _ge = (op.binary for op in (_ew.eq, _ew.ne, _ew.lt, _ew.le, _ew.gt, _ew.ge))


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
    if isinstance(data, Tensor):
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


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook (PyTorch's handle)."""

    def __init__(self, owner, attr, hook):
        self._owner, self._attr, self._hook = owner, attr, hook

    def remove(self) -> None:
        hooks = [h for h in getattr(self._owner, self._attr) or [] if h is not self._hook]
        setattr(self._owner, self._attr, hooks or None)


class Tensor(TensorMethods, InplaceMethods, EverydayMethods, LayoutMethods, SearchMethods, SamplingMethods,
             StatsMethods, ProductMethods, SelectionMethods, ComparisonMethods, SpecialMethods,
             IndexingMethods, autograd.TensorBase, engine_tensor=True):
    """An n-dimensional array that records the operations applied to it, so that ``backward`` can run.

    ``Tensor(array)`` wraps an existing array without copying; :func:`tensor` copies and converts.
    """

    # set only where needed, read with getattr: _vc (the version counter), _view (root tensor and view steps),
    # _views (a root's live views), _history (the nodes it had before in-place changes recorded in the graph)
    # _gown: the .grad buffer the engine may add into in place (autograd.own_grad), None where it owns no
    # buffer yet, False once .grad has been read or assigned
    __slots__ = ("data", "_grad", "grad_fn", "requires_grad", "name", "_hooks", "_vc", "_view", "_views",
                 "_history", "_gown", "__weakref__")
    __array_priority__ = 100  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad: bool = False, name: str | None = None):
        arr = data if isinstance(data, np.ndarray) else _to_array(data, copy=False)
        _check_grad_dtype(arr.dtype, requires_grad)
        self.data = arr
        self._grad = None
        self.grad_fn = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._hooks = None

    @property
    def grad(self):
        """The gradient backward accumulated here (a Tensor of this shape), or None.

        An array taken from it is never changed by a later backward: reading ``.grad`` hands the buffer out,
        so the engine adds the next gradient into a new array (the ``.grad`` tensor itself keeps its identity).
        """
        self._gown = False
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value
        self._gown = False

    # --- array facts -------------------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="The shape, a tuple of ints.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype.")
    size = property(lambda self: _Size(self.data), doc="``x.size()``: the shape; ``x.size(d)``: the size of dim "
                    "``d``, as PyTorch (uncalled, NumPy's number of elements).")

    def dim(self) -> int:
        """Number of dimensions (PyTorch's spelling of ``ndim``)."""
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (not the result of a recorded op)."""
        return self.grad_fn is None

    def numel(self) -> int:
        return self.data.size

    def __len__(self):
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied); refused while the tensor requires grad, as in PyTorch."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item(): only a one-element tensor converts to a Python number, "
                             f"this one has shape {self.shape}.")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                             f"use .any() or .all().")
        return bool(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    def __repr__(self):
        body = format_values(self.data, prefix="tensor(")
        extras = []
        if self.data.dtype != _default_dtype:
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def _repr_html_(self) -> str:
        """Jupyter: a compact card with shape, dtype, grad_fn, a few values and the gradient's norm."""
        import html
        facts = [f"shape {self.shape}", f"{self.data.dtype}"]
        if self.grad_fn is not None:
            facts.append(f"grad_fn {self.grad_fn.name}")
        elif self.requires_grad:
            facts.append("leaf, requires_grad")
        if self.grad is not None:
            facts.append(f"|grad| {float(np.linalg.norm(self.grad.data)):.4g}")
        values = np.array2string(self.data, precision=4, threshold=12, edgeitems=2, separator=", ")
        title = f"<b>{html.escape(self.name)}</b> " if self.name else ""
        return (f"<div class='chainrule-tensor' style='font-family:monospace'>{title}"
                f"<span style='color:#555'>tensor · {html.escape(' · '.join(facts))}</span>"
                f"<pre style='margin:2px 0'>{html.escape(values)}</pre></div>")

    # --- autograd ----------------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph: bool = False, create_graph: bool = False, inputs=None) -> None:
        """Backpropagate from this tensor, accumulating into the ``.grad`` of every leaf that requires grad.

        A non-scalar output needs ``gradient`` (the upstream gradient, same shape). The graph's saved buffers
        are freed afterwards unless ``retain_graph=True``; ``create_graph=True`` records the backward pass so
        the gradients can be differentiated again; ``inputs`` (tensors) limits the accumulation to them.
        """
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory and the version counter, as in PyTorch)."""
        t = Tensor(self.data)
        t._vc = autograd.version_counter(self)
        return t

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use .detach() instead.")
        _check_grad_dtype(self.data.dtype, requires_grad)
        self.requires_grad = bool(requires_grad)
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces the gradient."""
        if not self.requires_grad:
            raise RuntimeError("register_hook on a tensor that does not require grad: it will never get one.")
        owner, attr = (self, "_hooks") if self.grad_fn is None else (self.grad_fn, "hooks")
        setattr(owner, attr, (getattr(owner, attr) or []) + [hook])
        return RemovableHandle(owner, attr, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (leaves always keep theirs)."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError("retain_grad on a tensor that does not require grad.")

    # --- conversions -------------------------------------------------------------------------------------
    def astype(self, dtype) -> "Tensor":
        """A copy in another dtype (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if self.requires_grad and dtype.kind == "f":
            return _ew.astype(self, dtype=dtype)
        return Tensor(self.data.astype(dtype))

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return self.astype(np.int64)

    def to(self, *args, **kw) -> "Tensor":
        """``x.to(dtype)``, ``x.to('cpu')``, ``x.to('cpu', dtype)``, ``x.to(other)`` (its dtype), as PyTorch;
        itself when nothing changes, unless ``copy=True``. chainrule computes on the CPU only."""
        copy = kw.get("copy", False) or [a for a in args if isinstance(a, bool)][1:] == [True]
        dtype = to_arguments("Tensor.to", args, kw)
        out = self if dtype is None else self.astype(dtype)
        return out.clone() if copy and out is self else out

    # --- arithmetic --------------------------------------------------------------------------------------
    def __add__(self, other):
        return _add(self, other)

    def __radd__(self, other):
        return _add(other, self)

    def __sub__(self, other):
        return _sub(self, other)

    def __rsub__(self, other):
        return _sub(other, self)

    def __mul__(self, other):
        return _mul(self, other)

    def __rmul__(self, other):
        return _mul(other, self)

    def __truediv__(self, other):
        return _div(self, other)

    def __rtruediv__(self, other):
        return _div(other, self)

    def __floordiv__(self, other):
        return _floordiv(self, other)

    def __rfloordiv__(self, other):
        return _floordiv(other, self)

    def __mod__(self, other):
        return _mod(self, other)

    def __rmod__(self, other):
        return _mod(other, self)

    def __pow__(self, other):
        return _pow(self, other)

    def __rpow__(self, other):
        return _pow(other, self)

    def __matmul__(self, other):
        return _matmul(self, other)

    def __rmatmul__(self, other):
        return _matmul(other, self)

    def __neg__(self):
        return _ew.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.abs(self)

    # --- comparisons: boolean tensors, never differentiable ---------------------------------------------
    def __eq__(self, other):
        return _eq(self, other)

    def __ne__(self, other):
        return _ne(self, other)

    def __lt__(self, other):
        return _lt(self, other)

    def __le__(self, other):
        return _le(self, other)

    def __gt__(self, other):
        return _gt(self, other)

    def __ge__(self, other):
        return _ge(self, other)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return Tensor(np.any(self.data, **_np_reduction("any", self.ndim, dim, keepdim, axis, keepdims)))

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return Tensor(np.all(self.data, **_np_reduction("all", self.ndim, dim, keepdim, axis, keepdims)))

    def argmax(self, *args, **kw):
        return _red.argmax(self, *args, **kw)

    def argmin(self, *args, **kw):
        return _red.argmin(self, *args, **kw)

    # --- elementwise math --------------------------------------------------------------------------------
    def exp(self):
        return _ew.exp(self)

    def log(self):
        return _ew.log(self)

    def sqrt(self):
        return _ew.sqrt(self)

    def abs(self):
        return _ew.abs(self)

    def sign(self):
        """Sign of each element; its gradient is 0, as in PyTorch."""
        return _ew.sign(self)

    def relu(self):
        return _ew.relu(self)

    def sigmoid(self):
        return _ew.sigmoid(self)

    def tanh(self):
        return _ew.tanh(self)

    def erf(self):
        return _ew.erf(self)

    def maximum(self, other):
        return _ew.maximum(self, other)

    def minimum(self, other):
        return _ew.minimum(self, other)

    # --- reductions: PyTorch's (dim, keepdim) and NumPy's axis= / keepdims= (see chainrule.ops.reduce) ----
    def sum(self, *args, **kw):
        return _red.sum(self, *args, **kw)

    def mean(self, *args, **kw):
        return _red.mean(self, *args, **kw)

    def max(self, *args, **kw):
        """``x.max()``: the largest value; ``x.max(dim)``: ``(values, indices)``; ``x.max(other)``: elementwise."""
        return _red.max(self, *args, **kw)

    def min(self, *args, **kw):
        """``x.min()``: the smallest value; ``x.min(dim)``: ``(values, indices)``; ``x.min(other)``: elementwise."""
        return _red.min(self, *args, **kw)

    def amax(self, *args, **kw):
        return _red.amax(self, *args, **kw)

    def amin(self, *args, **kw):
        return _red.amin(self, *args, **kw)

    def var(self, *args, **kw):
        """Variance, unbiased by default as PyTorch (``unbiased=False`` or ``correction=0`` divide by N)."""
        return _red.var(self, *args, **kw)

    def std(self, *args, **kw):
        return _red.std(self, *args, **kw)

    def logsumexp(self, *args, **kw):
        return _red.logsumexp(self, *args, **kw)

    def softmax(self, *args, **kw):
        return _red.softmax(self, *args, **kw)

    def log_softmax(self, *args, **kw):
        return _red.log_softmax(self, *args, **kw)

    # --- shape -------------------------------------------------------------------------------------------
    def reshape(self, *shape):
        return _shp.reshape(self, shape=_shape_arg(shape))

    view = reshape

    def transpose(self, *axes):
        """Reverse the axes, or permute them: ``x.transpose(1, 0, 2)``; two axes ``(a, b)`` swap as in PyTorch."""
        axes = _shape_arg(axes)
        if len(axes) == 2:
            return self.swapaxes(*axes)
        return _shp.transpose(self, axes=tuple(axes) if axes else None)

    def permute(self, *dims):
        if not dims:
            raise TypeError("permute() missing 1 required positional argument: 'dims'.")
        return _shp.transpose(self, axes=_shape_arg(dims))

    def swapaxes(self, a: int, b: int):
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return _shp.transpose(self, axes=tuple(axes))

    @property
    def T(self):
        return _shp.transpose(self, axes=None)

    def t(self):
        """The transpose of a tensor with at most 2 dims (itself for 0-d and 1-d), as PyTorch."""
        if self.ndim > 2:
            raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but this one has {self.ndim}; "
                             f"use transpose(a, b) or permute.")
        return self if self.ndim < 2 else _shp.transpose(self, axes=None)

    def expand(self, *shape):
        shape = _shape_arg(shape)
        shape = tuple(s if n == -1 else n for n, s in zip(shape, (None,) * (len(shape) - self.ndim) + self.shape))
        return _shp.broadcast_to(self, shape=shape)

    def broadcast_to(self, shape):
        return _shp.broadcast_to(self, shape=tuple(shape))

    def __getitem__(self, index):
        return _shp.getitem(self, index=plain_index(index))

    def matmul(self, other):
        return _matmul(self, other)


def _shape_arg(shape: tuple) -> tuple:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``, as PyTorch does."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


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
        if isinstance(a, Tensor):
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
        return Tensor(fill(shape, np.dtype(dtype) if dtype else _default_dtype), requires_grad=requires_grad)
    return make


zeros = _factory(np.zeros)
ones = _factory(np.ones)
zeros.__doc__ = "A tensor of zeros of the given shape (default dtype float32)."
ones.__doc__ = "A tensor of ones of the given shape (default dtype float32)."


def full(shape, fill_value, dtype=None, requires_grad=False) -> Tensor:
    shape = _size_arg((shape,), "full")
    return Tensor(np.full(shape, fill_value, dtype=np.dtype(dtype) if dtype else _default_dtype),
                  requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples drawn from chainrule's seeded generator (see :func:`chainrule.manual_seed`)."""
    from .random import generator
    shape = _size_arg(shape, "randn")
    return Tensor(generator().standard_normal(shape, dtype=np.dtype(dtype or _default_dtype)),
                  requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples from chainrule's seeded generator."""
    from .random import generator
    shape = _size_arg(shape, "rand")
    return Tensor(generator().random(shape, dtype=np.dtype(dtype or _default_dtype)), requires_grad=requires_grad)


def arange(*args, dtype=None) -> Tensor:
    """``arange(end)``, ``arange(start, end, step)``: int64 for integer arguments, else the default dtype."""
    arr = np.arange(*args, dtype=dtype)
    return Tensor(arr.astype(_default_dtype) if dtype is None and arr.dtype.kind == "f" else arr)


def eye(n, m=None, *, dtype=None, requires_grad=False) -> Tensor:
    """The n x m identity matrix (square by default), in the default dtype unless ``dtype`` is given."""
    for k in (n,) if m is None else (n, m):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"eye: sizes must be integers >= 0, got {k!r}.")
    return Tensor(np.eye(n, m, dtype=np.dtype(dtype) if dtype else _default_dtype), requires_grad=requires_grad)


def linspace(start, end, steps, *, dtype=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be an integer >= 0, got {steps!r}.")
    values = np.linspace(float(start), float(end), steps)
    return Tensor(values.astype(np.dtype(dtype) if dtype else _default_dtype), requires_grad=requires_grad)


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
