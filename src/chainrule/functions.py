"""PyTorch's tensor functions beyond the original core, with PyTorch's names, argument order and defaults,
and the Tensor methods that call them (:class:`TensorMethods`, a base class of Tensor).

Each function is an op of the table (``cr.sin`` is ``ops.elementwise.sin``) or a short composition of ops
whose gradient is exact; the derivatives live in :mod:`chainrule.ops`, none here.
"""
from __future__ import annotations

import numpy as np

from . import return_types
from .errors import ArgumentError, AxisError, DtypeError, IndexRangeError, ShapeError
from .ops import elementwise as _ew, indexing as _idx, linalg as _linalg, reduce as _red, shape as _shp
from .ops import registry as _registry
from .ops.registry import raw

__all__ = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "atanh", "log1p", "expm1", "log2",
           "log10", "square", "rsqrt", "reciprocal", "floor", "ceil", "round", "trunc", "isnan", "isinf",
           "isfinite", "atan2", "logaddexp", "pow", "prod", "cumsum", "norm", "var_mean", "sort", "argsort", "topk",
           "gather", "scatter", "scatter_add", "split", "chunk", "unbind", "flip", "roll", "tile", "movedim",
           "moveaxis", "unflatten", "index_select", "masked_fill", "nonzero", "where", "einsum", "outer", "tril",
           "triu", "diag"]

sin, cos, tan, asin, acos, atan = _ew.sin, _ew.cos, _ew.tan, _ew.asin, _ew.acos, _ew.atan
sinh, cosh, atanh = _ew.sinh, _ew.cosh, _ew.atanh
log1p, expm1, log2, log10, square, rsqrt, reciprocal = (_ew.log1p, _ew.expm1, _ew.log2, _ew.log10, _ew.square,
                                                         _ew.rsqrt, _ew.reciprocal)
floor, ceil, trunc = _ew.floor, _ew.ceil, _ew.trunc
isnan, isinf, isfinite = _ew.isnan, _ew.isinf, _ew.isfinite
atan2, logaddexp, pow = _ew.atan2, _ew.logaddexp, _ew.pow


def round(input, *, decimals: int = 0):
    """Round to ``decimals`` places, halves to even; gradient 0."""
    return _ew.round(input, decimals=decimals)


def _dims(dim):
    """A dim argument as the ops take it: an int, a tuple of ints, or None (all)."""
    return tuple(dim) if isinstance(dim, list) else dim


def _dim(name, dim, axis, default=None, required=False):
    """``dim`` or its NumPy spelling ``axis`` (both at once is a TypeError), as the ops take it."""
    d = _registry.one_of(name, "dim", dim, "axis", axis, default)
    if d is None and required:
        raise TypeError(f"{name}() missing required argument 'dim'.")
    return _dims(d)


def _keep(name, keepdim, keepdims):
    return bool(_registry.one_of(name, "keepdim", keepdim, "keepdims", keepdims, False))


def _cast(input, dtype):
    return input if dtype is None else input.astype(dtype)


def prod(input, dim=None, keepdim=None, *, dtype=None, axis=None, keepdims=None):
    """The product over ``dim`` (all elements by default)."""
    return _red.prod(_cast(input, dtype), axis=_dim("prod", dim, axis), keepdims=_keep("prod", keepdim, keepdims))


def cumsum(input, dim=None, *, dtype=None, axis=None):
    """Running sums along ``dim``."""
    return _red.cumsum(_cast(input, dtype), axis=_dim("cumsum", dim, axis, required=True))


def norm(input, p="fro", dim=None, keepdim=None, dtype=None, *, axis=None, keepdims=None):
    """The vector ``p``-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm."""
    if p == "fro":
        p = 2.0
    elif isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; use a number, inf or 'fro' "
                         f"(the nuclear norm is not implemented).")
    return _red.norm(_cast(input, dtype), p=float(p), axis=_dim("norm", dim, axis),
                     keepdims=_keep("norm", keepdim, keepdims))


def var_mean(input, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None,
             ddof=None):
    """``(var, mean)`` over ``dim``, with :func:`var`'s arguments and defaults (unbiased by default)."""
    if isinstance(dim, bool):                           # var_mean(x, unbiased)
        dim, unbiased = None, dim
    v = _red.var(input, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims, ddof=ddof)
    return v, _red.mean(input, axis=_dim("var_mean", dim, axis), keepdims=_keep("var_mean", keepdim, keepdims))


def argsort(input, dim=None, descending: bool = False, *, stable: bool = False, axis=None):
    """The int64 indices that sort ``input`` along ``dim`` (the last by default; not differentiable)."""
    return _red.argsort(input, axis=_dim("argsort", dim, axis, -1), descending=descending, stable=stable)


def sort(input, dim=None, descending: bool = False, *, stable: bool = False, axis=None):
    """``(values, indices)`` sorted along ``dim``; the values are differentiable (the gradient goes back to
    where each value came from)."""
    dim = _dim("sort", dim, axis, -1)
    indices = _red.argsort(input, axis=dim, descending=descending, stable=stable)
    return return_types.sort(_shp.gather(input, index=raw(indices), axis=dim), indices)


def topk(input, k: int, dim=None, largest: bool = True, sorted: bool = True, *, axis=None):
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) along ``dim`` (the last by
    default), always in order (``sorted=False`` allows any order in PyTorch)."""
    dim = _dim("topk", dim, axis, -1)
    if raw(input).dtype == bool:
        raise DtypeError("topk does not support bool tensors, as in PyTorch; convert with .long() first.")
    shape = np.shape(raw(input))
    n = shape[dim] if shape else 1
    if not 0 <= k <= n:
        raise ShapeError(f"topk: k={k} is out of range for a dimension of size {n}; pick 0 <= k <= {n}.")
    indices = _red.argsort(input, axis=dim, descending=largest, stable=True)
    if shape:
        indices = _shp.getitem(indices, index=(slice(None),) * (dim % len(shape)) + (slice(0, k),))
    return return_types.topk(_shp.gather(input, index=raw(indices), axis=dim), indices)


def _index_arg(name, index):
    if index is None:
        raise TypeError(f"{name}() missing required argument 'index'.")
    return raw(index)


def gather(input, dim=None, index=None, *, sparse_grad: bool = False, axis=None):
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0``, and so on: values picked along ``dim``."""
    return _shp.gather(input, index=_index_arg("gather", index), axis=_dim("gather", dim, axis, required=True))


def scatter(input, dim=None, index=None, src=None, *, value=None, reduce=None, axis=None):
    """A copy of ``input`` with ``src`` (a tensor, or a number ``value``) written where ``index`` points
    along ``dim``; ``reduce='add'`` or ``'multiply'`` combines instead (no gradient, as in PyTorch)."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give src (a tensor or a number) or value, not both or neither.")
    src = value if src is None else src
    if reduce is not None:                  # PyTorch's deprecated form, without a derivative as there
        if reduce not in ("add", "multiply"):
            raise ArgumentError(f"scatter: reduce argument must be either add or multiply, got {reduce!r}.")
        return _idx.scatter_reduced(input, raw(src), index=_index_arg("scatter", index), reduce=reduce,
                                    axis=_dim("scatter", dim, axis, required=True))
    return _shp.scatter(input, src, index=_index_arg("scatter", index), axis=_dim("scatter", dim, axis, required=True))


def scatter_add(input, dim=None, index=None, src=None, *, axis=None):
    """A copy of ``input`` with ``src`` added where ``index`` points along ``dim`` (repeats accumulate)."""
    if src is None:
        raise TypeError("scatter_add() missing required argument 'src'.")
    return _shp.scatter_add(input, src, index=_index_arg("scatter_add", index),
                            axis=_dim("scatter_add", dim, axis, required=True))


# --- pieces, reorderings, shapes ----------------------------------------------------------------------------

def _axis_size(input, dim, name):
    shape = np.shape(raw(input))
    if not -len(shape) <= dim < len(shape):
        raise AxisError(f"{name}: dim {dim} is out of range for a tensor with {len(shape)} dimensions.")
    return dim % len(shape), shape[dim]


def _zero_d(input, dim, name):
    """Whether ``input`` is 0-d, whose only dims are 0 and -1 as in PyTorch (another is an IndexError)."""
    if np.ndim(raw(input)):
        return False
    _registry.normalize_axis(dim, 0, name)
    return True


def _pieces(input, dim, sizes):
    """The slices of ``input`` along ``dim`` with the given sizes, each differentiable (views of one array)."""
    out, start = [], 0
    lead = (slice(None),) * dim
    for n in sizes:
        out.append(_shp.getitem(input, index=lead + (slice(start, start + n),)))
        start += n
    return tuple(out)


def split(tensor, split_size_or_sections, dim=None, *, axis=None):
    """Pieces of ``split_size_or_sections`` elements along ``dim`` (the last may be smaller), or of the listed
    sizes, which must add up to the dimension's size."""
    dim, n = _axis_size(tensor, _dim("split", dim, axis, 0), "split")
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {size}.")
        sizes = [min(size, n - start) for start in range(0, n, size)] if n else [0]
    else:
        sizes = [int(k) for k in split_size_or_sections]
        if any(k < 0 for k in sizes) or np.sum(sizes) != n:
            raise ShapeError(f"split: sizes {sizes} must be non-negative and add up to {n}, the size of dim {dim}.")
    return _pieces(tensor, dim, sizes)


def chunk(input, chunks: int, dim=None, *, axis=None):
    """At most ``chunks`` pieces of equal size ceil(n / chunks) along ``dim`` (the last may be smaller)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}.")
    dim = _dim("chunk", dim, axis, 0)
    d, n = _axis_size(input, dim, "chunk")
    if n == 0:                                          # PyTorch: `chunks` empty pieces
        return tuple(_shp.getitem(input, index=(slice(None),) * d + (slice(0, 0),)) for _ in range(chunks))
    return split(input, max(-(-n // chunks), 1), dim)


def unbind(input, dim=None, *, axis=None):
    """The slices along ``dim``, that dimension removed."""
    dim, n = _axis_size(input, _dim("unbind", dim, axis, 0), "unbind")
    return tuple(_shp.getitem(input, index=(slice(None),) * dim + (i,)) for i in range(n))


def flip(input, dims=None, *, axis=None):
    """Reverse the order of the elements along each of ``dims`` (a tuple or list, as PyTorch; NumPy's ``axis``
    may be one int)."""
    if axis is not None:
        dims = _dim("flip", dims, axis)
        dims = (dims,) if isinstance(dims, (int, np.integer)) else dims
    elif dims is None:
        raise TypeError("flip() missing required argument 'dims'.")
    if isinstance(dims, (int, np.integer)):
        raise TypeError("flip: dims must be a tuple or list of ints, e.g. flip(x, (0,)).")
    ndim = np.ndim(raw(input))
    index = [slice(None)] * ndim
    for d in dims:
        if not _zero_d(input, d, "flip"):
            index[_axis_size(input, d, "flip")[0]] = slice(None, None, -1)
    return _shp.getitem(input, index=tuple(index))


def roll(input, shifts, dims=None, *, axis=None):
    """Shift the elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when None)."""
    dims = _registry.one_of("roll", "dims", _dims(dims), "axis", _dims(axis))
    return _shp.roll(input, shifts=_dims(shifts), dims=dims)


def tile(input, dims):
    """Repeat the whole tensor ``dims[i]`` times along each dimension (ones are prepended to the shorter one)."""
    return _repeated(input, tuple(dims), "tile")


def _repeated(input, reps, name):
    """np.tile as reshape, broadcast and reshape: three ops whose gradients sum the copies back."""
    shape = np.shape(raw(input))
    if any(r < 0 for r in reps):
        raise ValueError(f"{name}: repeats must be >= 0, got {reps}.")
    n = max(len(reps), len(shape))
    reps, shape = (1,) * (n - len(reps)) + reps, (1,) * (n - len(shape)) + shape
    spread = _shp.reshape(input, shape=tuple(k for s in shape for k in (1, s)))
    spread = _shp.broadcast_to(spread, shape=tuple(k for r, s in zip(reps, shape) for k in (r, s)))
    return _shp.reshape(spread, shape=tuple(r * s for r, s in zip(reps, shape)))


def movedim(input, source, destination):
    """Move the dimensions ``source`` to the places ``destination`` (ints or sequences of ints)."""
    ndim = np.ndim(raw(input))
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} have different lengths.")
    src = [_axis_size(input, d, "movedim")[0] for d in src]
    dst = [_axis_size(input, d, "movedim")[0] for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: repeated dims in source {source} or destination {destination}.")
    order = [d for d in range(ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _shp.transpose(input, axes=tuple(order))


moveaxis = movedim


def unflatten(input, dim: int, sizes):
    """Split dimension ``dim`` into ``sizes`` (one of which may be -1)."""
    shape = np.shape(raw(input))
    dim, n = _axis_size(input, dim, "unflatten")
    sizes = tuple(int(k) for k in sizes)
    known = int(np.prod([k for k in sizes if k != -1]))
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
        raise ShapeError(f"unflatten: sizes {sizes} do not multiply to {n}, the size of dim {dim}.")
    sizes = tuple(n // known if k == -1 else k for k in sizes)
    return _shp.reshape(input, shape=shape[:dim] + sizes + shape[dim + 1:])


# --- selection ------------------------------------------------------------------------------------------------

def index_select(input, dim: int, index):
    """The entries at the 1-D ``index`` along ``dim`` (repeats allowed; their gradients add up)."""
    dim, n = _axis_size(input, dim, "index_select")
    index = np.asarray(raw(index))
    if index.dtype.kind not in "iu" or index.ndim > 1:
        raise TypeError(f"index_select: index must be a 1-D integer tensor, got {index.ndim}-D of dtype "
                        f"{index.dtype}.")
    if index.size and (index.min() < 0 or index.max() >= n):
        raise IndexRangeError(f"index_select: index {index.min() if index.min() < 0 else index.max()} is out of "
                              f"range for dimension {dim} of size {n}.")
    return _shp.getitem(input, index=(slice(None),) * dim + (index.reshape(-1),))


def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or a 0-d tensor, differentiable) where the boolean ``mask`` holds."""
    m = np.asarray(raw(mask))
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: the mask must be boolean, got dtype {m.dtype}; compare first (x > 0).")
    dtype = raw(input).dtype
    if np.ndim(raw(value)) != 0:
        raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {np.shape(raw(value))}.")
    if getattr(value, "dtype", dtype) != dtype:
        value = value.astype(dtype)
    return _ew.where(m, value, input)


def nonzero(input, *, as_tuple: bool = False):
    """The int64 coordinates of the nonzero elements: an (n, ndim) tensor, or one 1-D tensor per dimension."""
    if not as_tuple:
        return _shp.nonzero(input)
    if np.ndim(raw(input)) == 0:
        input = _shp.reshape(input, shape=(1,))        # a 0-d tensor counts as one element, as in PyTorch
    coords = _shp.nonzero(input)
    return tuple(_shp.getitem(coords, index=(slice(None), d)) for d in range(np.ndim(raw(input))))


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other``; with the condition alone, ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither.")
    return _ew.where(condition, input, other)


# --- products, triangles, diagonals ---------------------------------------------------------------------------

def einsum(equation: str, *operands):
    """Sums of products by subscripts: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``; ``...`` broadcasts, and
    without ``->`` the output is the letters used once, in alphabetical order. One op; its gradient for each
    operand is another einsum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    explicit = _linalg.explicit_equation(equation, [np.shape(raw(x)) for x in operands])
    return _linalg.einsum(*operands, equation=explicit)


def outer(input, vec2):
    """The outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]``."""
    if np.ndim(raw(input)) != 1 or np.ndim(raw(vec2)) != 1:
        raise ShapeError(f"outer: needs two 1-D tensors, got shapes {np.shape(raw(input))} and "
                         f"{np.shape(raw(vec2))}.")
    return _ew.mul(_shp.reshape(input, shape=(-1, 1)), vec2)


def tril(input, diagonal: int = 0):
    """The lower triangle (on and below ``diagonal``) of the last two dimensions, zeros above."""
    return _linalg.tril(input, diagonal=diagonal)


def triu(input, diagonal: int = 0):
    """The upper triangle (on and above ``diagonal``) of the last two dimensions, zeros below."""
    return _linalg.triu(input, diagonal=diagonal)


def diag(input, diagonal: int = 0):
    """A 1-D tensor placed on the ``diagonal``-th diagonal of a square matrix, or a matrix's diagonal."""
    return _linalg.diag(input, diagonal=diagonal)


def _method(function):
    """``x.name(...)`` for the function ``name(x, ...)``."""
    def method(self, *args, **kw):
        return function(self, *args, **kw)
    if isinstance(function, _registry.Op):
        method.__name__, method.__doc__ = function.name, function.doc
    else:
        method.__name__, method.__doc__ = function.__name__, function.__doc__
    return method


class TensorMethods:
    """The methods of :class:`~chainrule.tensor.Tensor` that mirror the functions of this module."""

    __slots__ = ()

    sin, cos, tan, asin, acos, atan = (_method(op) for op in (sin, cos, tan, asin, acos, atan))
    sinh, cosh, atanh = (_method(op) for op in (sinh, cosh, atanh))
    log1p, expm1, log2, log10 = (_method(op) for op in (log1p, expm1, log2, log10))
    square, rsqrt, reciprocal = (_method(op) for op in (square, rsqrt, reciprocal))
    floor, ceil, trunc = (_method(op) for op in (floor, ceil, trunc))
    isnan, isinf, isfinite = (_method(op) for op in (isnan, isinf, isfinite))

    def round(self, *, decimals: int = 0):
        """Round to ``decimals`` places, halves to even; gradient 0."""
        return _ew.round(self, decimals=decimals)

    def atan2(self, other):
        """atan2(self, other), elementwise."""
        return _ew.atan2(self, other)

    def logaddexp(self, other):
        """log(exp(self) + exp(other)), stable."""
        return _ew.logaddexp(self, other)

    def pow(self, exponent):
        """self ** exponent."""
        return _ew.pow(self, exponent)

    prod, cumsum, norm, sort, argsort, topk = (_method(f) for f in (prod, cumsum, norm, sort, argsort, topk))
    gather, scatter, scatter_add = (_method(f) for f in (gather, scatter, scatter_add))
    split, chunk, unbind, roll, movedim, unflatten = (_method(f) for f in (split, chunk, unbind, roll, movedim,
                                                                            unflatten))
    moveaxis = movedim
    index_select, masked_fill, nonzero = (_method(f) for f in (index_select, masked_fill, nonzero))
    outer, tril, triu, diag = (_method(f) for f in (outer, tril, triu, diag))

    def flip(self, *dims, **kw):
        return flip(self, _registry.var_sizes(dims) or None, **kw)

    def repeat(self, *sizes):
        """The whole tensor repeated ``sizes[i]`` times along each dimension (``len(sizes) >= ndim``)."""
        if not sizes:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        sizes = _registry.var_sizes(sizes)
        if len(sizes) < np.ndim(raw(self)):
            raise ShapeError(f"repeat: {len(sizes)} repeats for a tensor with {np.ndim(raw(self))} dimensions; "
                             f"give at least one per dimension.")
        return _repeated(self, sizes, "repeat")

    def tile(self, *dims):
        return tile(self, _registry.var_sizes(dims))

    def where(self, condition, other):
        """``self`` where ``condition`` holds, else ``other``."""
        return _ew.where(condition, self, other)
