"""More of what a PyTorch user reaches for: matrix products with PyTorch's shape rules (``mm bmm dot mv addmm
baddbmm``), shape helpers as functions (``flatten squeeze unsqueeze narrow`` and friends), ``clamp`` with
tensor bounds, ``cumprod diff trace median hypot lerp addcmul addcdiv``, and the Tensor methods that go with
them (:class:`EverydayMethods`, a base class of Tensor: ``new_*``, ``*_as``, ``masked_fill_``, ``clamp_min``).

Each is an op of the table (``cumprod``, ``hypot``, ``clamp``) or a short composition of ops whose gradient
is exact; no derivative is written here.
"""
from __future__ import annotations

import builtins

import numpy as np

from . import autograd, return_types
from .errors import AxisError, DtypeError, ShapeError
from .ops import elementwise as _ew, linalg as _linalg, reduce as _red, shape as _shp
from .ops.registry import Op, normalize_axis, one_of, raw, var_sizes

__all__ = ["clamp", "clamp_min", "clamp_max", "mm", "bmm", "dot", "mv", "addmm", "baddbmm", "flatten", "squeeze",
           "unsqueeze", "narrow", "cumprod", "diff", "trace", "median", "hypot", "lerp", "addcmul", "addcdiv",
           "reshape", "permute", "transpose", "swapaxes", "t", "broadcast_to", "clone", "numel", "detach", "all",
           "any"]


# --- clamp -----------------------------------------------------------------------------------------------

def clamp(input, min=None, max=None):
    """Clamp into [min, max] (numbers or tensors, which broadcast and get gradients; one may be None). Where
    min > max the result is max, as in PyTorch."""
    return _ew.clamp_bounds(input, min, max)


def clamp_min(input, min):
    """``clamp(input, min=min)``."""
    return _ew.clamp_bounds(input, min, None)


def clamp_max(input, max):
    """``clamp(input, max=max)``."""
    return _ew.clamp_bounds(input, None, max)


# --- matrix products with PyTorch's checks -----------------------------------------------------------------

def _product(name, a, b, dims, inner):
    """``a @ b`` for operands that must have ``dims`` dimensions, one dtype, equal sizes at the ``inner``
    positions (and equal batch sizes for bmm): PyTorch's RuntimeErrors otherwise."""
    sa, sb = np.shape(raw(a)), np.shape(raw(b))
    if (len(sa), len(sb)) != dims:
        raise ShapeError(f"{name}: expected operands with {dims[0]} and {dims[1]} dimensions, got shapes {sa} "
                         f"and {sb}.")
    if raw(a).dtype != raw(b).dtype:
        raise DtypeError(f"{name}: expected both operands to have the same dtype, got {raw(a).dtype} and "
                         f"{raw(b).dtype}; convert one with .to(dtype).")
    if dims == (3, 3) and sa[0] != sb[0]:
        raise ShapeError(f"{name}: batch sizes {sa[0]} and {sb[0]} differ (shapes {sa} and {sb}).")
    if sa[inner[0]] != sb[inner[1]]:
        raise ShapeError(f"{name}: shapes {sa} and {sb} cannot be multiplied (inner sizes {sa[inner[0]]} and "
                         f"{sb[inner[1]]}).")
    return _linalg.matmul(a, b)


def mm(input, mat2):
    """The product of two matrices, (n, k) @ (k, m); no broadcasting (that is :func:`matmul`)."""
    return _product("mm", input, mat2, (2, 2), (1, 0))


def bmm(input, mat2):
    """Batched matrix products, (b, n, k) @ (b, k, m), with equal batch sizes (no broadcasting)."""
    return _product("bmm", input, mat2, (3, 3), (2, 1))


def dot(input, tensor):
    """The dot product of two 1-D tensors of equal size, a 0-d tensor."""
    return _product("dot", input, tensor, (1, 1), (0, 0))


def mv(input, vec):
    """A matrix times a vector, (n, k) @ (k,)."""
    return _product("mv", input, vec, (2, 1), (1, 0))


def _scaled_sum(name, input, product, beta, alpha):
    """beta * input + alpha * product, ``input`` broadcast to the product's shape; beta = 0 ignores input
    (its nan and inf too), as PyTorch."""
    shape = np.shape(raw(product))
    try:
        fits = np.broadcast_shapes(np.shape(raw(input)), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{name}: input of shape {np.shape(raw(input))} does not broadcast to the product's "
                         f"shape {shape}.")
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product
    return (input if beta == 1 else input * beta) + product


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), two matrices; ``input`` broadcasts to the product's shape."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * bmm(batch1, batch2); ``input`` broadcasts to the product's shape."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


# --- shapes --------------------------------------------------------------------------------------------------

def _ndim(input):
    return np.ndim(raw(input))


def reshape(input, shape):
    """The same values in ``shape`` (one size may be -1)."""
    return _shp.reshape(input, shape=tuple(shape))


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """Merge dims ``start_dim..end_dim`` into one (all by default); a 0-d tensor becomes 1-D."""
    shape = np.shape(raw(input))
    start = normalize_axis(start_dim, len(shape), "flatten", False)
    end = normalize_axis(end_dim, len(shape), "flatten", False)
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}.")
    if not shape:
        return _shp.reshape(input, shape=(1,))
    return _shp.reshape(input, shape=shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:])


def squeeze(input, dim=None, *, axis=None):
    """Drop dims of size 1: all of them, or those named by ``dim`` (an int or a tuple); a named dim whose size
    is not 1 stays, as in PyTorch."""
    shape = np.shape(raw(input))
    dim = one_of("squeeze", "dim", dim, "axis", axis)
    dims = normalize_axis(dim, len(shape), "squeeze", False)
    if isinstance(dims, tuple) and len(set(dims)) != len(dims):
        raise ShapeError(f"squeeze: dim {dim} names a dimension more than once.")
    dims = range(len(shape)) if dim is None else (dims,) if isinstance(dims, int) else dims or ()
    return _shp.reshape(input, shape=tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1)))


def unsqueeze(input, dim=None, *, axis=None):
    """A new dim of size 1 at ``dim`` (from -ndim-1 to ndim)."""
    dim = one_of("unsqueeze", "dim", dim, "axis", axis)
    if dim is None:
        raise TypeError("unsqueeze() missing 1 required positional argument: 'dim'.")
    shape = list(np.shape(raw(input)))
    shape.insert(normalize_axis(dim, len(shape) + 1, "unsqueeze", False), 1)
    return _shp.reshape(input, shape=tuple(shape))


def permute(input, dims):
    """The dims in the order ``dims`` (a permutation; negative dims count from the end)."""
    dims = tuple(dims)
    if len(dims) != _ndim(input):
        raise ShapeError(f"permute: {len(dims)} dims for a tensor with {_ndim(input)} dimensions.")
    normal = normalize_axis(dims, _ndim(input), "permute", False) if dims else ()
    if len(set(normal)) != len(normal):
        raise ShapeError(f"permute: dims {dims} repeat a dimension.")
    return _shp.transpose(input, axes=normal)


def transpose(input, dim0, dim1):
    """``input`` with dims ``dim0`` and ``dim1`` swapped."""
    ndim = _ndim(input)
    a, b = (normalize_axis(d, ndim, "transpose", False) for d in (dim0, dim1))
    if not ndim:
        return _shp.reshape(input, shape=())
    axes = list(range(ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return _shp.transpose(input, axes=tuple(axes))


swapaxes = transpose


def t(input):
    """The transpose of a tensor with at most 2 dims (0-d and 1-d stay as they are)."""
    if _ndim(input) > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but this one has {_ndim(input)}; "
                         f"use transpose(a, b) or permute.")
    return _shp.transpose(input, axes=None) if _ndim(input) == 2 else _shp.reshape(input, shape=np.shape(raw(input)))


def broadcast_to(input, size):
    """``input`` repeated along broadcast dims to ``size`` (a view; -1 keeps a size)."""
    size = tuple(size)
    old = (None,) * (len(size) - _ndim(input)) + np.shape(raw(input))
    return _shp.broadcast_to(input, shape=tuple(s if n == -1 else n for n, s in zip(size, old)))


def narrow(input, dim: int, start, length: int):
    """``length`` elements of ``dim`` from ``start`` (negative counts from the end; a 0-d tensor may hold it):
    a differentiable view."""
    shape = np.shape(raw(input))
    if not shape:
        raise ShapeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = normalize_axis(dim, len(shape), "narrow", False)
    start, n = int(raw(start)), shape[dim]
    if not -n <= start <= n:
        raise AxisError(f"narrow: start {start} is out of range (expected to be in range of [{-n}, {n}]).")
    start += n if start < 0 else 0
    if length < 0:
        raise ShapeError(f"narrow(): length must be non-negative, got {length}.")
    if start + length > n:
        raise ShapeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _shp.getitem(input, index=(slice(None),) * dim + (slice(start, start + length),))


def clone(input):
    """A copy with its own memory; differentiable."""
    return _shp.clone(input)


def numel(input) -> int:
    """The number of elements."""
    return int(np.size(raw(input)))


def detach(input):
    """``input.detach()``: the same data, cut from the graph."""
    return input.detach()


def _all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether every element is nonzero (over ``dim``), a boolean tensor."""
    return input.all(dim, keepdim, axis=axis, keepdims=keepdims)


def _any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether some element is nonzero (over ``dim``), a boolean tensor."""
    return input.any(dim, keepdim, axis=axis, keepdims=keepdims)


# --- scans, differences, traces, medians ----------------------------------------------------------------------

def cumprod(input, dim=None, *, dtype=None, axis=None):
    """Running products along ``dim``; the gradient is exact with zeros among the factors."""
    dim = one_of("cumprod", "dim", dim, "axis", axis)
    if dim is None:
        raise TypeError("cumprod() missing required argument 'dim'.")
    return _red.cumprod(input if dtype is None else input.astype(dtype), axis=dim)


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``, ``out[i] = x[i + 1] - x[i]`` applied n times, after
    joining ``prepend`` and ``append`` (tensors with input's number of dims) to input along ``dim``."""
    ndim = _ndim(input)
    if not ndim:
        raise ShapeError("diff expects input to be at least one-dimensional.")
    if n < 0:
        raise ShapeError(f"diff: order must be non-negative but got {n}.")
    dim = normalize_axis(dim, ndim, "diff", False)
    parts = [p for p in (prepend, input, append) if p is not None]
    if builtins.any(_ndim(p) != ndim for p in parts):
        raise ShapeError("diff expects prepend or append to be the same dimension as input.")
    x = _shp.concatenate(*parts, axis=dim) if len(parts) > 1 else input
    lead = (slice(None),) * dim
    if raw(x).dtype == bool:                            # booleans differ where they are unequal, as torch
        x = raw(x)
        for _ in range(n):
            x = x[lead + (slice(1, None),)] != x[lead + (slice(None, -1),)]
        return autograd._Tensor(x)
    for _ in range(n):
        x = _ew.sub(_shp.getitem(x, index=lead + (slice(1, None),)), _shp.getitem(x, index=lead + (slice(None, -1),)))
    return x


def trace(input):
    """The sum of a matrix's diagonal."""
    _no_bool("trace", input)
    if _ndim(input) != 2:
        raise ShapeError(f"trace: expected a matrix, but got a tensor with {_ndim(input)} dimensions.")
    return _red.sum(_linalg.diag(input))


def _no_bool(name, input):
    """The array of ``input``; PyTorch has no kernel of ``name`` for booleans."""
    x = raw(input)
    if x.dtype == bool:
        raise DtypeError(f"{name}() is not implemented for bool tensors, as in PyTorch; convert with .long() first.")
    return x


def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``median(x)``: the lower median of all values (nan when empty; ties share the gradient);
    ``median(x, dim)``: the named tuple ``(values, indices)`` of the lower medians along ``dim``."""
    dim = one_of("median", "dim", dim, "axis", axis)
    keep = bool(one_of("median", "keepdim", keepdim or None, "keepdims", keepdims, False))
    x = _no_bool("median", input)
    if dim is None:
        if x.dtype.kind != "f":                         # an integer median is an integer; of no values, torch
            value = np.sort(x, axis=None)[(x.size - 1) // 2] if x.size else np.iinfo(x.dtype).min  # gives the least
            return autograd._Tensor(np.asarray(value, dtype=x.dtype))
        if x.size == 0:
            return _red.sum(input) * np.nan
        value = np.sort(x, axis=None)[(x.size - 1) // 2]
        tied = x == value
        return _red.sum(_ew.where(tied, input, 0)) * (1.0 / int(tied.sum()))
    d = normalize_axis(dim, x.ndim, "median", False)
    if x.ndim == 0:
        return return_types.median(_shp.reshape(input, shape=()), autograd._Tensor(np.zeros((), np.int64)))
    if x.shape[d] == 0:
        raise AxisError(f"median(): dim {dim} has size 0, so there is no value to reduce; reduce another dim.")
    order = np.argsort(x, axis=d, kind="stable")
    pick = (slice(None),) * d + (slice((x.shape[d] - 1) // 2, (x.shape[d] + 1) // 2),)
    indices = order[pick].astype(np.int64, copy=False)
    values = _shp.gather(input, index=indices, axis=d)
    if not keep:
        values = _shp.reshape(values, shape=x.shape[:d] + x.shape[d + 1:])
        indices = indices.reshape(x.shape[:d] + x.shape[d + 1:])
    return return_types.median(values, autograd._Tensor(indices))


# --- elementwise combinations -----------------------------------------------------------------------------------

hypot = _ew.hypot


def lerp(input, end, weight):
    """input + weight * (end - input), ``weight`` a number or a tensor; all three broadcast."""
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    product = tensor1 * tensor2
    return input + (product if value == 1 else product * value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else quotient * value)


def _method(function):
    """``x.name(...)`` for the function ``name(x, ...)``."""
    def method(self, *args, **kw):
        return function(self, *args, **kw)
    op = isinstance(function, Op)
    method.__name__ = function.name if op else function.__name__
    method.__doc__ = function.doc if op else function.__doc__
    return method


class EverydayMethods:
    """The methods of :class:`~chainrule.tensor.Tensor` that mirror this module's functions, and PyTorch's
    ``new_*``, ``*_as`` and in-place variants."""

    __slots__ = ()

    clamp, clamp_min, clamp_max = (_method(f) for f in (clamp, clamp_min, clamp_max))
    clip = clamp
    mm, bmm, dot, mv, addmm, baddbmm = (_method(f) for f in (mm, bmm, dot, mv, addmm, baddbmm))
    flatten, squeeze, unsqueeze, narrow = (_method(f) for f in (flatten, squeeze, unsqueeze, narrow))
    expand_dims = unsqueeze
    cumprod, diff, trace, median, hypot = (_method(f) for f in (cumprod, diff, trace, median, hypot))
    lerp, addcmul, addcdiv = (_method(f) for f in (lerp, addcmul, addcdiv))

    def bool(self):
        """A boolean copy: True where nonzero."""
        return self.astype(np.bool_)

    def expand_as(self, other):
        return self.expand(other.shape)

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def type_as(self, other):
        """This tensor in ``other``'s dtype (itself when it already has it)."""
        return self.astype(other.dtype)

    def _new(self, fill, size, dtype, requires_grad):
        array = fill(var_sizes(size), dtype=self.dtype if dtype is None else np.dtype(dtype))
        return type(self)(array, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        """Zeros of ``size`` in this tensor's dtype (or ``dtype``)."""
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        """Ones of ``size`` in this tensor's dtype (or ``dtype``)."""
        return self._new(np.ones, size, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        """An uninitialized tensor of ``size`` in this tensor's dtype (or ``dtype``)."""
        return self._new(np.empty, size, dtype, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, requires_grad=False):
        """``fill_value`` everywhere in a tensor of ``size`` (a tuple), in this tensor's dtype (or ``dtype``)."""
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"new_full(): argument 'size' must be a tuple of ints, not {type(size).__name__}.")
        return self._new(lambda s, dtype: np.full(s, fill_value, dtype), size, dtype, requires_grad)

    def new_tensor(self, data, *, dtype=None, requires_grad=False):
        """A copy of ``data`` (detached) in this tensor's dtype (or ``dtype``)."""
        array = np.array(raw(data), dtype=self.dtype if dtype is None else np.dtype(dtype))
        return type(self)(array, requires_grad=requires_grad)

    def masked_fill_(self, mask, value):
        """``masked_fill`` in place."""
        m = np.asarray(raw(mask))
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill_: the mask must be boolean, got dtype {m.dtype}; compare first (x > 0).")
        if np.ndim(raw(value)) != 0:
            raise ShapeError(f"masked_fill_: value must be a number or a 0-d tensor, got shape "
                             f"{np.shape(raw(value))}.")
        if getattr(value, "dtype", self.dtype) != self.dtype:
            value = value.astype(self.dtype)
        return self.copy_(_ew.where(m, value, self))

    def clamp_min_(self, min):
        return self.clamp_(min=min)

    def clamp_max_(self, max):
        return self.clamp_(max=max)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self.add_(tensor1 * tensor2, alpha=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self.add_(tensor1 / tensor2, alpha=value)

    def lerp_(self, end, weight):
        return self.add_(weight * (end - self))


all, any = _all, _any    # last: the functions above use the builtins
