"""Products, distances and grids with PyTorch's names and semantics: ``cross kron dist cdist``, ``meshgrid
broadcast_tensors cartesian_prod``, ``tril_indices triu_indices``, and the Tensor methods ``x.cross``,
``x.kron``, ``x.dist`` (:class:`ProductMethods`, a base class of Tensor).

Each differentiable one is a composition of ops of the table (``getitem``, ``mul``, ``reshape``,
``broadcast_to``, ``norm``), so its derivatives are exact at every order; no derivative is written here.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import autograd
from .errors import ShapeError
from .ops import reduce as _red, shape as _shp
from .ops.registry import normalize_axis, raw

__all__ = ["cross", "kron", "dist", "cdist", "meshgrid", "broadcast_tensors", "cartesian_prod", "tril_indices",
           "triu_indices"]


def _shape(x):
    return np.shape(raw(x))


def _tensorize(x, like):
    """A number beside a tensor as a 0-d tensor of its dtype."""
    return x if isinstance(x, autograd.TensorBase) else autograd._Tensor(np.asarray(x, raw(like).dtype))


def broadcast_tensors(*tensors):
    """The tensors broadcast to one shape (views; their gradients sum back over the broadcast dims)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = np.broadcast_shapes(*(_shape(t) for t in tensors))
    except ValueError:
        raise ShapeError(f"broadcast_tensors: shapes {[_shape(t) for t in tensors]} do not broadcast.") from None
    return tuple(t if _shape(t) == shape else _shp.broadcast_to(t, shape=shape) for t in tensors)


def _at(x, d, i):
    return _shp.getitem(x, index=(slice(None),) * d + (slice(i, i + 1),))


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (the operands broadcast); without ``dim`` the first dim of
    size 3, with PyTorch's deprecation warning."""
    if len(_shape(input)) != len(_shape(other)):
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions, got shapes "
                         f"{_shape(input)} and {_shape(other)}.")
    a, b = broadcast_tensors(input, other)
    shape = _shape(a)
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated; pass the dim explicitly "
                      "(torch.linalg.cross defaults to dim=-1).", UserWarning, stacklevel=2)
        d = next((i for i, n in enumerate(shape) if n == 3), None)
        if d is None:
            raise ShapeError("cross: no dimension of size 3 in input.")
    else:
        d = normalize_axis(dim, len(shape), "cross", False)
        if not shape or shape[d] != 3:
            raise ShapeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {shape[d] if shape else 0} "
                             f"and {shape[d] if shape else 0}.")
    a0, a1, a2 = (_at(a, d, i) for i in range(3))
    b0, b1, b2 = (_at(b, d, i) for i in range(3))
    return _shp.concatenate(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0, axis=d)


def kron(input, other):
    """The Kronecker product: ``out[i * m + j] = input[i] * other[j]`` in every dimension (the shorter shape
    gets leading ones)."""
    sa, sb = _shape(input), _shape(other)
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    a = _shp.reshape(input, shape=tuple(k for s in sa for k in (s, 1)))
    b = _shp.reshape(other, shape=tuple(k for s in sb for k in (1, s)))
    return _shp.reshape(a * b, shape=tuple(p * q for p, q in zip(sa, sb)))


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (broadcast), a 0-d tensor; at a zero distance the gradient is 0."""
    difference = input - _tensorize(other, input)
    if p < 0 and not np.size(raw(difference)):
        raise ShapeError(f"dist: the {p} norm of an empty tensor is undefined (a minimum of no values).")
    return _red.norm(difference, p=float(p))


_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distances between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M):
    (..., P, R), batch dims broadcast. Computed directly (``compute_mode`` is accepted and only checked), so
    it is exact and its gradient at a zero distance is 0."""
    s1, s2 = _shape(x1), _shape(x2)
    if len(s1) < 2 or len(s2) < 2:
        raise ShapeError(f"cdist only supports at least 2D tensors, X1 got: {len(s1)}D, X2 got: {len(s2)}D.")
    if s1[-1] != s2[-1]:
        raise ShapeError(f"X1 and X2 must have the same number of columns. X1: {s1[-1]} X2: {s2[-1]}.")
    if p < 0:
        raise ShapeError(f"cdist only supports non-negative p values, got {p}.")
    if compute_mode not in _MODES:
        raise ShapeError(f"{compute_mode} is not a valid value for compute_mode.")
    if raw(x1).dtype.kind != "f" or raw(x2).dtype.kind != "f":
        raise ShapeError(f"cdist only supports floating-point dtypes, X1 got: {raw(x1).dtype}, X2 got: "
                         f"{raw(x2).dtype}.")
    a = _shp.reshape(x1, shape=s1[:-1] + (1, s1[-1]))
    b = _shp.reshape(x2, shape=s2[:-2] + (1,) + s2[-2:])
    p = float(p) if s1[-1] else 1.0                     # no columns: 0 for every p (a max of none is refused)
    return _red.norm(a - b, p=p, axis=-1)


def meshgrid(*tensors, indexing=None):
    """Grids from 0-d or 1-D tensors: the i-th output varies along dim i (``indexing='ij'``, PyTorch's
    default, with its warning when not given) or with the first two dims swapped (``'xy'``). Views whose
    gradients sum back to the inputs."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ShapeError("meshgrid expects a non-empty TensorList.")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ShapeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}.")
    if any(np.ndim(raw(t)) > 1 for t in tensors):
        raise ShapeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list.")
    if len({raw(t).dtype for t in tensors}) > 1:
        raise ShapeError("meshgrid expects all tensors to have the same dtype.")
    sizes = [int(np.size(raw(t))) for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(range(len(tensors)))
    if swap:
        order[0], order[1] = 1, 0
    shape = tuple(sizes[i] for i in order)
    out = []
    for k, t in enumerate(tensors):
        place = order.index(k)
        column = _shp.reshape(t, shape=tuple(n if i == place else 1 for i, n in enumerate(shape)))
        out.append(_shp.broadcast_to(column, shape=shape))
    return tuple(out)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as rows (N, k); one tensor comes back as is."""
    if any(np.ndim(raw(t)) != 1 for t in tensors):
        raise ShapeError("Expect a 1D vector, but got shape "
                         f"{next(list(_shape(t)) for t in tensors if np.ndim(raw(t)) != 1)}.")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return _shp.stack(*(_shp.reshape(g, shape=(-1,)) for g in grids), axis=1)


def _triangle(name, row, col, offset, dtype, lower):
    if row < 0 or col < 0:
        raise ShapeError(f"{name}: {'row' if row < 0 else 'col'} must be non-negative, got {min(row, col)}.")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    if dtype not in (np.int32, np.int64):
        raise ShapeError(f"{name}: \"{name}\" not implemented for {dtype}; use int32 or int64.")
    i, j = np.indices((row, col)).reshape(2, -1)
    keep = j - i <= offset if lower else j - i >= offset
    return autograd._Tensor(np.stack([i[keep], j[keep]]).astype(dtype))


def tril_indices(row, col, offset=0, *, dtype=None):
    """The (2, N) coordinates of a row x col matrix's lower triangle (``offset`` > 0: above the diagonal
    too), row by row; int64 by default."""
    return _triangle("tril_indices", row, col, offset, dtype, True)


def triu_indices(row, col, offset=0, *, dtype=None):
    """The (2, N) coordinates of a row x col matrix's upper triangle (``offset`` > 0: above the diagonal),
    row by row; int64 by default."""
    return _triangle("triu_indices", row, col, offset, dtype, False)


class ProductMethods:
    """``x.cross(other, dim=None)``, ``x.kron(other)``, ``x.dist(other, p=2)``."""

    __slots__ = ()

    def cross(self, other, dim=None):
        return cross(self, other, dim)

    def kron(self, other):
        return kron(self, other)

    def dist(self, other, p=2):
        return dist(self, other, p)
