"""PyTorch's tensor functions beyond the original core, with PyTorch's names, argument order and defaults,
and the Tensor methods that call them (:class:`TensorMethods`, a base class of Tensor).

Each function is an op of the table (``cr.sin`` is ``ops.elementwise.sin``) or a short composition of ops
whose gradient is exact; the derivatives live in :mod:`chainrule.ops`, none here.
"""
from __future__ import annotations

from .ops import elementwise as _ew

__all__ = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "atanh", "log1p", "expm1", "log2",
           "log10", "square", "rsqrt", "reciprocal", "floor", "ceil", "round", "trunc", "isnan", "isinf",
           "isfinite", "atan2", "logaddexp", "pow"]

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


def _unary_method(op):
    def method(self):
        return op(self)
    method.__name__, method.__doc__ = op.name, op.doc
    return method


class TensorMethods:
    """The methods of :class:`~chainrule.tensor.Tensor` that mirror the functions of this module."""

    __slots__ = ()

    sin, cos, tan, asin, acos, atan = (_unary_method(op) for op in (sin, cos, tan, asin, acos, atan))
    sinh, cosh, atanh = (_unary_method(op) for op in (sinh, cosh, atanh))
    log1p, expm1, log2, log10 = (_unary_method(op) for op in (log1p, expm1, log2, log10))
    square, rsqrt, reciprocal = (_unary_method(op) for op in (square, rsqrt, reciprocal))
    floor, ceil, trunc = (_unary_method(op) for op in (floor, ceil, trunc))
    isnan, isinf, isfinite = (_unary_method(op) for op in (isnan, isinf, isfinite))

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
