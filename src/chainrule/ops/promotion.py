"""PyTorch's type promotion (``torch.result_type``), the one place where an op's operands get their dtype.

The rule: the categories are bool < integer < floating; the participants are ranked tensors with dims, then
0-d tensors, then numbers (Python's or NumPy's scalars). The result's category is the highest among all of
them, and its dtype comes from the highest-ranked group that holds that category: ``int64 tensor * 2.5`` is
the default float dtype (float32), ``bool tensor + 1`` int64, ``float32 tensor + 0-d float64 tensor``
float32, ``int64 tensor + 0-d float64 tensor`` float64. Within a group the dtypes meet as in
``torch.promote_types`` (the higher category wins outright: int64 with float16 is float16).

An op's ``promote`` says what it does with the promoted dtype: ``"same"`` computes in it (``+ - * // %
** maximum where`` and comparisons), ``"float"`` turns bool and integer results into the default float
dtype (``/``, ``atan2``, ``exp`` and the other float functions), ``"int64"`` accumulates bool and
integers in int64 (``sum``, ``prod``, ``cumsum``), ``"floating"`` refuses them (``mean``, ``var``,
``softmax``...), ``"exact"`` refuses operands of different dtypes (``matmul``). The hot path, two tensors
of one float dtype or a float tensor and a number, never comes here (see ``Op.binary``).
"""
from __future__ import annotations

import numpy as np

from ..errors import DtypeError

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_BOOL, _INT64 = np.dtype(bool), np.dtype(np.int64)
_default_float = np.dtype(np.float32)
# PyTorch's names of the dtypes, for its messages ("result type Float can't be cast to ... Long")
_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "float16": "Half", "float32": "Float", "float64": "Double"}


def set_default_float(dtype: np.dtype) -> None:
    """Set the dtype that numbers and integer true divisions give (``cr.set_default_dtype`` calls it)."""
    global _default_float
    _default_float = dtype


def torch_name(dtype) -> str:
    return _TORCH_NAMES.get(np.dtype(dtype).name, str(dtype))


def promote_types(a, b) -> np.dtype:
    """``torch.promote_types``: the higher category wins outright; within one category NumPy's table."""
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _combine(higher, lower):
    """A higher-ranked group's dtype with a lower one's: the lower counts only for a higher category."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    if _CATEGORY[higher.kind] >= 2:
        return higher
    if higher.kind == "b" or _CATEGORY[lower.kind] >= 2:
        return promote_types(higher, lower)
    return higher


def number_dtype(c):
    """The dtype a number stands for beside tensors (bool, int64, the default float); ``None`` if not a number."""
    if isinstance(c, (bool, np.bool_)):
        return _BOOL
    if isinstance(c, (int, np.integer)):
        return _INT64
    if isinstance(c, (float, np.floating)):
        return _default_float
    if isinstance(c, (complex, np.complexfloating)):
        return np.dtype(np.complex64 if _default_float == np.float32 else np.complex128)
    return None


def result_type(values, tensors) -> np.dtype:
    """``torch.result_type`` of ``values``: arrays (of tensors, where ``tensors[i]``) and numbers."""
    dims = zero = numbers = None
    for v, is_tensor in zip(values, tensors):
        d = None if is_tensor else number_dtype(v)
        if d is not None:
            numbers = d if numbers is None else promote_types(numbers, d)
            continue
        d = _dtype(v)
        if np.ndim(v):
            dims = d if dims is None else promote_types(dims, d)
        else:
            zero = d if zero is None else promote_types(zero, d)
    return _combine(dims, _combine(zero, numbers))


def _as(v, is_tensor, dtype):
    """``v`` as an array of ``dtype``; a Python int wraps around a small integer dtype, as in PyTorch."""
    if is_tensor or not isinstance(v, (int, float, complex, np.generic)) or isinstance(v, bool):
        v = np.asarray(v)
        return v if v.dtype == dtype else v.astype(dtype)
    if dtype.kind in "iu" and not isinstance(v, (bool, np.bool_)):
        return np.asarray(np.asarray(v, np.int64).astype(dtype))
    return np.asarray(v, dtype)


def _refuse(op, dtype, values, tensors):
    """PyTorch's error for an op that is not defined for the dtypes it is given."""
    if op.name == "sub" and any(_dtype(v).kind == "b" or v is True or v is False for v in values):
        raise DtypeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                         "to invert a mask, use the `~` or `logical_not()` operator instead.")
    if dtype.kind == "b" and op.name in ("floor_divide", "remainder", "matmul", "pow"):
        raise DtypeError(f"{op.name}: not implemented for bool tensors; convert them first (.long()).")
    if op.name == "pow" and dtype.kind in "iu" and not tensors[1] and isinstance(values[1], (int, np.integer)) \
            and values[1] < 0:
        raise DtypeError("Integers to negative integer powers are not allowed.")


def _integer_power(base, exponent):
    """Base and exponent for NumPy's power that give PyTorch's integer ``base ** exponent`` where an exponent
    is negative (NumPy refuses): 1 for a base of 1, +-1 for -1, else 0."""
    negative = exponent < 0
    if not negative.any():
        return base, exponent
    return np.where(negative, np.where(np.abs(base) == 1, base, 0), base), np.abs(exponent)


def _dtype(v) -> np.dtype:
    return v.dtype if hasattr(v, "dtype") else np.asarray(v).dtype


def _numeric(v, is_tensor) -> bool:
    return (not is_tensor and number_dtype(v) is not None) or _dtype(v).kind in _CATEGORY


def operands(op, values, tensors):
    """The arrays an op computes on: ``values`` (arrays of tensors where ``tensors[i]``, else numbers) cast
    to the dtype that PyTorch's promotion and ``op.promote`` give."""
    kind = op.promote
    if not all(_numeric(v, t) for v, t in zip(values, tensors)):   # strings, objects: NumPy's error follows
        return values
    if kind == "exact":
        _refuse(op, values[0].dtype, values, tensors)
        dtypes = {v.dtype for v, t in zip(values, tensors) if t}
        if len(dtypes) > 1:
            a, b = sorted(dtypes, key=str)[:2]
            raise DtypeError(f"{op.name}: expected both operands to have the same dtype, but got {a} and {b}; "
                             f"convert one of them (.to(other.dtype)).")
        return values
    dtype = result_type(values, tensors)
    if kind == "float" and dtype.kind in "biu":
        dtype = _default_float
    _refuse(op, dtype, values, tensors)
    out = tuple([_as(v, t, dtype) for v, t in zip(values, tensors)])
    if op.name == "pow" and dtype.kind in "iu":
        return _integer_power(*out)
    return out


_BOOL_UNARY = {"neg": "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
                      "a mask, use the `~` or `logical_not()` operator instead.",
               "abs": "abs: not implemented for bool tensors.", "floor": "floor: not implemented for bool tensors.",
               "ceil": "ceil: not implemented for bool tensors.", "trunc": "trunc: not implemented for bool tensors.",
               "round": "round: not implemented for bool tensors.", "relu": "Boolean inputs not supported for relu"}


def unary(op, x):
    """The array a one-input op computes on, for an input that is not a float array."""
    kind = x.dtype.kind
    if kind in "fc":
        return x
    if kind == "b" and op.name in _BOOL_UNARY:
        raise DtypeError(_BOOL_UNARY[op.name])
    if kind == "b" and op.name == "square":
        return x.astype(_INT64)
    if op.promote == "float":
        return x.astype(_default_float)
    if op.promote == "int64":
        return x.astype(_INT64, copy=False)
    if op.promote == "floating":
        raise DtypeError(f"{op.name}(): expected a floating point tensor as input, got {x.dtype} "
                         f"(PyTorch: not implemented for '{torch_name(x.dtype)}'); convert it first (.float()).")
    return x


def check_cast(name, result, target) -> None:
    """PyTorch's refusal to write a result into a tensor of a lower category (``int_tensor += 2.5``)."""
    if _CATEGORY[result.kind] > _CATEGORY[target.kind]:
        raise DtypeError(f"{name}: result type {torch_name(result)} can't be cast to the desired output type "
                         f"{torch_name(target)}; write it out of place (a = a + b) or convert the tensor first.")
