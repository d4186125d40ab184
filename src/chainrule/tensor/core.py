"""Tensor: a NumPy array, its gradient, and the node of the graph that made it.

Operators and methods dispatch to the ops in :mod:`chainrule.ops`; nothing here computes a derivative.
"""
from __future__ import annotations

import weakref

import numpy as np

from .. import autograd
from ..everyday import EverydayMethods
from ..functions import TensorMethods
from ..errors import ShapeError
from ..inplace import InplaceMethods, plain_index
from ..products import ProductMethods
from ..search import SearchMethods
from ..selection import SelectionMethods
from ..special import SpecialMethods
from ..stats import StatsMethods
from ..layout import LayoutMethods
from ..sampling import SamplingMethods
from ..comparisons import ComparisonMethods
from ..indexing_ops import IndexingMethods
from ..arithmetic import ArithmeticMethods
from ..printing import format_values
from ..ops import elementwise as _ew, linalg as _linalg, reduce as _red, shape as _shp
from . import dtypes as _dtypes
from .arguments import _Size, _np_reduction, _shape_arg, to_arguments
from .dtypes import _check_grad_dtype, _to_array

# The operators' two-input path of each op (Op.binary), looked up once: they are the engine's hottest calls.
_add, _sub, _mul, _div, _pow, _matmul = (op.binary for op in (_ew.add, _ew.sub, _ew.mul, _ew.div, _ew.pow,
                                                              _linalg.matmul))
_floordiv, _mod = _ew.floor_divide.binary, _ew.remainder.binary
_eq, _ne, _lt, _le, _gt, _ge = (op.binary for op in (_ew.eq, _ew.ne, _ew.lt, _ew.le, _ew.gt, _ew.ge))


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook (PyTorch's handle)."""

    def __init__(self, owner, attr, hook):
        self._owner, self._attr, self._hook = owner, attr, hook

    def remove(self) -> None:
        hooks = [h for h in getattr(self._owner, self._attr) or [] if h is not self._hook]
        setattr(self._owner, self._attr, hooks or None)


class Tensor(TensorMethods, InplaceMethods, EverydayMethods, LayoutMethods, SearchMethods, SamplingMethods,
             StatsMethods, ProductMethods, SelectionMethods, ComparisonMethods, SpecialMethods,
             IndexingMethods, ArithmeticMethods, autograd.TensorBase, engine_tensor=True):
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
        if self.data.dtype != _dtypes._default_dtype:
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
        if not shape:
            raise TypeError('expand() missing 1 required positional arguments: "size"')
        shape = _shape_arg(shape)
        shape = tuple(s if n == -1 else n for n, s in zip(shape, (None,) * (len(shape) - self.ndim) + self.shape))
        return _shp.broadcast_to(self, shape=shape)

    def broadcast_to(self, shape):
        """As :meth:`expand` (-1 keeps a size)."""
        return self.expand(tuple(shape))

    def __getitem__(self, index):
        return _shp.getitem(self, index=plain_index(index))

    def matmul(self, other):
        return _matmul(self, other)

