"""Special functions with PyTorch's names: ``lgamma digamma polygamma erfinv erfc logit`` and their Tensor methods
(:class:`SpecialMethods`, a base class of Tensor).

``lgamma``, ``digamma``, ``polygamma``, ``erfinv`` and ``erfc`` are ops of the table (:mod:`chainrule.ops.gamma`: values
from scipy where it is installed, else from NumPy alone; each VJP is the next function of the family, so
derivatives of every order are exact); ``logit`` is a composition of ``clamp``, ``log`` and ``log1p``.
"""
from __future__ import annotations

from .errors import ShapeError
from .ops import elementwise as _ew, gamma as _gamma

__all__ = ["lgamma", "digamma", "polygamma", "erfinv", "erfc", "logit"]

lgamma, digamma, erfinv, erfc = _gamma.lgamma, _gamma.digamma, _gamma.erfinv, _gamma.erfc


def polygamma(n, input):
    """The ``n``-th derivative of digamma at ``input`` (``n = 0`` is digamma itself)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}.")
    if n < 0:
        raise ShapeError(f"polygamma(n, x) does not support negative n, got {n}.")
    return _gamma.polygamma(input, n=n)


def logit(input, eps=None):
    """log(p / (1 - p)); with ``eps`` the input is clamped to [eps, 1 - eps] first (and the gradient is 0
    outside), as in PyTorch."""
    p = input if eps is None else _ew.clamp_bounds(input, eps, 1 - eps)
    return _ew.log(p) - _ew.log1p(-p)


class SpecialMethods:
    """``x.lgamma()``, ``x.digamma()``, ``x.polygamma(n)``, ``x.erfinv()``, ``x.erfc()``, ``x.logit(eps=None)``."""

    __slots__ = ()

    def lgamma(self):
        return lgamma(self)

    def digamma(self):
        return digamma(self)

    def polygamma(self, n):
        return polygamma(n, self)

    def erfinv(self):
        return erfinv(self)

    def erfc(self):
        return erfc(self)

    def logit(self, eps=None):
        return logit(self, eps)
