"""PyTorch's names for arithmetic as functions and methods: ``add sub mul div`` (``alpha``,
``rounding_mode``) and their long names ``subtract multiply divide true_divide``, ``neg negative positive
absolute``, the ``arc*`` spellings, ``swapdims ravel ndimension``, the facts ``is_floating_point is_signed
is_nonzero is_same_size``, and the in-place forms of the elementwise functions (``x.exp_()``, ``x.neg_()``)
(:class:`ArithmeticMethods`, a base class of Tensor).

Each is an op of the table or a short composition (``div(rounding_mode='trunc')`` is ``trunc(a / b)``); the
in-place forms go through chainrule.inplace.
"""
from __future__ import annotations

import numpy as np

from . import autograd, everyday, functions
from .errors import ArgumentError, DtypeError
from .indexing_ops import _in_place
from .ops import elementwise as _ew
from .ops.registry import raw

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg", "negative", "positive",
           "absolute", "arccos", "arcsin", "arctan", "arctan2", "arctanh", "swapdims", "ravel"]


def _scaled(other, alpha, name, input):
    if alpha == 1:
        return other
    if isinstance(alpha, float) and np.asarray(raw(input)).dtype.kind in "biu" and \
            np.asarray(raw(other)).dtype.kind in "biu":
        raise DtypeError(f"{name}: for integral input tensors, argument alpha must not be a floating point number.")
    return other * alpha


def add(input, other, *, alpha=1):
    """input + alpha * other."""
    return _ew.add(input, _scaled(other, alpha, "add", input))


def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    return _ew.sub(input, _scaled(other, alpha, "sub", input))


def mul(input, other):
    """input * other."""
    return _ew.mul(input, other)


def div(input, other, *, rounding_mode=None):
    """input / other; ``rounding_mode='trunc'`` rounds toward zero, ``'floor'`` down (integers stay
    integers then, as in PyTorch)."""
    if rounding_mode is None:
        return _ew.div(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ArgumentError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                            f"{rounding_mode!r}.")
    if {np.asarray(raw(a)).dtype.kind for a in (input, other)} <= set("biu"):   # integers stay integers
        a, b = np.asarray(raw(input)), np.asarray(raw(other))
        q = a // b
        return autograd._Tensor(q if rounding_mode == "floor" else np.where((a % b != 0) & ((a < 0) != (b < 0)),
                                                                           q + 1, q))
    return (_ew.floor if rounding_mode == "floor" else _ew.trunc)(_ew.div(input, other))   # gradient 0


def true_divide(dividend, divisor):
    """dividend / divisor, always a floating result."""
    return _ew.div(dividend, divisor)


def _no_bool(input, name, what):
    if np.asarray(raw(input)).dtype == np.bool_:
        raise DtypeError(f"{name}: {what} on a bool tensor is not supported, as in PyTorch; use logical_not().")


def neg(input):
    """-input."""
    _no_bool(input, "neg", "negation, the - operator,")
    return _ew.neg(input)


def positive(input):
    """input itself (refused for bool tensors, as PyTorch)."""
    _no_bool(input, "positive", "the + operator")
    return input


subtract, multiply, divide, negative, absolute = sub, mul, div, neg, _ew.abs
arccos, arcsin, arctan, arctan2, arctanh = functions.acos, functions.asin, functions.atan, functions.atan2, \
    functions.atanh
swapdims, ravel = everyday.transpose, everyday.flatten

# in-place forms of elementwise functions: x.name_() is x = name(x), recorded in the graph where needed
_UNARY = {"abs": _ew.abs, "absolute": _ew.abs, "neg": neg, "negative": neg, "exp": _ew.exp, "log": _ew.log,
          "sqrt": _ew.sqrt, "sign": _ew.sign, "relu": _ew.relu, "sigmoid": _ew.sigmoid, "tanh": _ew.tanh,
          "erf": _ew.erf, **{n: getattr(functions, n) for n in (
              "sin cos tan asin acos atan sinh cosh atanh log1p expm1 log2 log10 square rsqrt reciprocal floor "
              "ceil trunc").split()}, "arccos": functions.acos, "arcsin": functions.asin, "arctan": functions.atan,
          "arctanh": functions.atanh}
_BINARY = {"multiply": mul, "subtract": sub, "divide": div, "true_divide": true_divide, "atan2": functions.atan2,
           "arctan2": functions.atan2, "hypot": everyday.hypot}


def _unary_(name, function):
    def method(self):
        return _in_place(self, name + "_", function)
    method.__name__, method.__doc__ = name + "_", f"``{name}`` in place."
    return method


def _binary_(name, function):
    def method(self, other, **kw):
        return _in_place(self, name + "_", lambda old: function(old, other, **kw), other)
    method.__name__, method.__doc__ = name + "_", f"``{name}`` in place."
    return method


class ArithmeticMethods:
    """This module's functions as methods of :class:`~chainrule.tensor.Tensor`, their in-place forms and the
    dtype and size facts."""

    __slots__ = ()

    add, sub, subtract, mul, multiply, div, divide, true_divide, neg, negative, positive, absolute = (
        everyday._method(f) for f in (add, sub, sub, mul, mul, div, div, true_divide, neg, neg, positive, _ew.abs))
    arccos, arcsin, arctan, arctan2, arctanh = (everyday._method(f) for f in (arccos, arcsin, arctan, arctan2,
                                                                               arctanh))

    def swapdims(self, dim0, dim1):
        return everyday.transpose(self, dim0, dim1)

    def ravel(self):
        """The values as a 1-D tensor (``flatten()``)."""
        return everyday.flatten(self)

    def ndimension(self) -> int:
        """The number of dims (``dim()``)."""
        return self.ndim

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def is_signed(self) -> bool:
        return self.dtype.kind in "fic"

    def is_nonzero(self) -> bool:
        """Whether the one value is nonzero; more or fewer values are a RuntimeError, as PyTorch's."""
        if self.numel() != 1:
            raise ArgumentError(f"is_nonzero: only a tensor with one value has a truth value, this one has "
                                f"{self.numel()}.")
        return bool(self.data)

    def is_same_size(self, other) -> bool:
        return self.shape == other.shape


for _name, _fn in _UNARY.items():
    setattr(ArithmeticMethods, _name + "_", _unary_(_name, _fn))
for _name, _fn in _BINARY.items():
    setattr(ArithmeticMethods, _name + "_", _binary_(_name, _fn))
