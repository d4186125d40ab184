"""Collectives on arrays, tensors and models: all_reduce, broadcast, weights in sync."""
from __future__ import annotations

import math

import numpy as np

from ..autograd import bump_version
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from .world import _OPS, DistributedError, _world, init


def _mpi_op(op: str):
    MPI = _world.MPI
    return {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}[op]


def all_reduce(value, op: str = "mean"):
    """Combine ``value`` (a NumPy array, Tensor or number) over all ranks with ``op`` ('mean', 'sum',
    'max' or 'min'); every rank gets the result, of the same kind as ``value`` (a new object; the input
    is not changed). Integers stay integers for 'sum', 'max' and 'min'; 'mean' gives floats."""
    init()
    if op not in _OPS:
        raise ValueError(f"all_reduce: op must be one of {', '.join(map(repr, _OPS))}, got {op!r}.")
    is_tensor = isinstance(value, Tensor)
    is_scalar = not isinstance(value, (np.ndarray, Tensor)) and np.ndim(value) == 0
    arr = np.array(value.data if is_tensor else value)            # a contiguous private copy
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"all_reduce: needs numbers, got an array of dtype {arr.dtype}.")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if _world.comm is not None and _world.size > 1:
        _world.comm.Allreduce(_world.MPI.IN_PLACE, arr, op=_mpi_op(op))
    if op == "mean":
        arr = arr / _world.size if arr.dtype.kind == "f" else arr.astype(np.float64) / _world.size
    if is_tensor:
        return Tensor(arr)
    return arr.item() if is_scalar else arr


def broadcast(value, root: int = 0):
    """Rank ``root``'s ``value`` (a NumPy array, Tensor or number), returned on every rank (a new object).
    Every rank passes a value of the same shape and dtype; only the root's content matters."""
    init()
    _check_root(root)
    is_tensor = isinstance(value, Tensor)
    is_scalar = not isinstance(value, (np.ndarray, Tensor)) and np.ndim(value) == 0
    arr = np.array(value.data if is_tensor else value)
    if _world.comm is not None and _world.size > 1:
        _world.comm.Bcast(arr, root=root)
    if is_tensor:
        return Tensor(arr)
    return arr.item() if is_scalar else arr


def _check_root(root):
    if isinstance(root, bool) or int(root) != root or not 0 <= root < _world.size:
        raise ValueError(f"root={root!r} is not a rank of this world (0..{_world.size - 1}).")


def _tensors(model_or_params, with_buffers: bool = True) -> list:
    """A module's parameters (and buffers), or the tensors of an iterable / an optimizer, each once."""
    if isinstance(model_or_params, Optimizer):
        tensors = [p for g in model_or_params.param_groups for p in g["params"]]
    elif hasattr(model_or_params, "parameters") and callable(model_or_params.parameters):
        tensors = list(model_or_params.parameters())
        if with_buffers and hasattr(model_or_params, "buffers"):
            tensors += [b for b in model_or_params.buffers() if isinstance(b, Tensor)]
    else:
        tensors = list(model_or_params)
    seen, out = set(), []
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a Module, an Optimizer or tensors, got a {type(t).__name__}.")
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _by_dtype(tensors):
    groups: dict = {}
    for t in tensors:
        groups.setdefault(t.data.dtype, []).append(t)
    return groups


def _pack(tensors, dtype) -> np.ndarray:
    flat = np.empty(sum(t.data.size for t in tensors), dtype=dtype)
    offset = 0
    for t in tensors:
        n = t.data.size
        flat[offset:offset + n] = t.data.reshape(-1)
        offset += n
    return flat


def broadcast_parameters(model, root: int = 0) -> int:
    """Overwrite every rank's parameters and buffers with rank ``root``'s (one Bcast per dtype).

    Call once after building the model (and after loading a checkpoint), so that every rank starts
    from the same weights whatever its random seed. ``model`` is a Module, an Optimizer or an iterable
    of tensors. Returns the number of bytes broadcast.
    """
    init()
    _check_root(root)
    tensors = _tensors(model)
    nbytes = sum(t.data.nbytes for t in tensors)
    if _world.comm is None or _world.size == 1:
        return nbytes
    for dtype, group in _by_dtype(tensors).items():
        flat = _pack(group, dtype)
        _world.comm.Bcast(flat, root=root)
        offset = 0
        for t in group:
            n = t.data.size
            if not t.data.flags.writeable:
                t.data = t.data.copy()
            t.data[...] = flat[offset:offset + n].reshape(t.data.shape)
            bump_version(t)
            offset += n
    return nbytes


def check_in_sync(model, atol: float = 0.0, raise_error: bool = True) -> float:
    """The largest ``|w - w_rank0|`` over all weights and all ranks (0.0 when they are identical).

    Rank 0's weights are broadcast and every rank compares its own with them; one Allreduce(MAX)
    brings the worst difference to all ranks, so all of them return (or raise) together. With
    ``raise_error`` a difference above ``atol`` raises `DistributedError`. Costs one broadcast of the
    weights: call it every K steps while debugging (``DistributedOptimizer(debug_sync=K)``), not every step.
    """
    init()
    worst = 0.0
    if _world.comm is None or _world.size == 1:
        return worst
    for dtype, group in _by_dtype(_tensors(model)).items():
        mine = _pack(group, dtype)
        ref = mine.copy()
        _world.comm.Bcast(ref, root=0)
        same = mine == ref                                           # NaN or inf in the same place: equal
        if dtype.kind == "f":
            same |= np.isnan(mine) & np.isnan(ref)
        if not same.all():
            with np.errstate(invalid="ignore", over="ignore"):
                diff = np.abs(mine[~same].astype(np.float64) - ref[~same])
            worst = max(worst, math.inf if np.isnan(diff).any() else float(diff.max()))
    worst = float(all_reduce(np.array(worst, dtype=np.float64), op="max"))
    if raise_error and not worst <= atol:
        raise DistributedError(
            f"The weights differ across ranks (max |difference| from rank 0 = {worst:.3g} > atol={atol:g}); "
            "every rank must start from broadcast weights and apply the same averaged update.")
    return worst
