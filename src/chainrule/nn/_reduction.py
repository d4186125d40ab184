"""What every loss shares (as ``torch.nn._reduction``): the ``reduction`` argument, PyTorch's legacy
``size_average``/``reduce`` pair, and the checks of element-wise losses' inputs and targets."""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import ShapeError
from ..ops.registry import raw
from ..tensor import Tensor


def _check_reduction(reduction, name, extra=()):
    """``reduction`` if it is 'mean', 'sum', 'none' (or one of ``extra``), else PyTorch's ValueError."""
    if reduction not in ("mean", "sum", "none", *extra):
        names = [repr(r) for r in ("mean", "sum", "none", *extra)]
        raise ValueError(f"{name}: reduction must be {', '.join(names[:-1])} or {names[-1]}, got {reduction!r}.")
    return reduction


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's rule: either of the deprecated ``size_average``/``reduce`` given overrides ``reduction``
    (``reduce=False`` -> 'none', ``size_average=False`` -> 'sum', else 'mean'), with PyTorch's warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  UserWarning, stacklevel=3)
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _dtype(x):
    d = np.asarray(raw(x)).dtype
    return d if d.kind == "f" else np.dtype(np.float64)


def _check_same_shape(input, target, name, reduction="none"):
    if tuple(np.shape(input)) != tuple(np.shape(target)):
        raise ShapeError(f"{name}: input has shape {tuple(np.shape(input))} but target has shape "
                         f"{tuple(np.shape(target))}; they must be equal (broadcasting them is a common bug: "
                         f"reshape one of them).")
    if reduction in ("mean", "batchmean") and np.size(input) == 0:
        raise ValueError(f"{name}: the batch is empty, so it has no mean.")


def _as_float_target(target, input, name):
    if isinstance(target, Tensor):
        if target.dtype.kind != "f":
            return Tensor(target.data.astype(_dtype(input)))
        return target
    t = np.asarray(target)
    if t.dtype.kind not in "fiub":
        raise TypeError(f"{name}: target must be numeric, got dtype {t.dtype}.")
    return t.astype(_dtype(input), copy=False)
