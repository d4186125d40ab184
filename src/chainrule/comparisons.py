"""Comparisons as PyTorch's functions and methods: ``eq ne lt le gt ge`` and their long names ``not_equal
less less_equal greater greater_equal`` (``cr.eq(x, y)``, ``x.eq(y)``), and the in-place forms ``x.eq_(y)``
... that write 1 or 0 into ``x``'s own dtype.

Each is the op of the table that the operators ``== != < <= > >=`` use: the operands broadcast and are
compared after PyTorch's type promotion; the result is a bool tensor without a gradient.
"""
from __future__ import annotations

from . import autograd
from .ops import elementwise as _ew

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "not_equal", "less", "less_equal", "greater", "greater_equal"]

_OPS = {"eq": _ew.eq, "ne": _ew.ne, "lt": _ew.lt, "le": _ew.le, "gt": _ew.gt, "ge": _ew.ge, "not_equal": _ew.ne,
        "less": _ew.lt, "less_equal": _ew.le, "greater": _ew.gt, "greater_equal": _ew.ge}


def _function(op, name):
    def compare(input, other):
        if not isinstance(input, autograd.TensorBase):
            raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(input).__name__}; write "
                            f"{name}(tensor, number) or compare with an operator.")
        return op(input, other)
    compare.__name__, compare.__doc__ = name, f"``{name}(input, other)``: {op.doc[:-1]}, a bool tensor."
    return compare


eq, ne, lt, le, gt, ge, not_equal, less, less_equal, greater, greater_equal = (_function(op, n) for n, op in
                                                                              _OPS.items())


def _method(op, name):
    def compare(self, other):
        return op(self, other)
    compare.__name__, compare.__doc__ = name, f"``{name}(self, other)``: {op.doc[:-1]}, a bool tensor."
    return compare


def _inplace(op, name):
    def compare_(self, other):
        return self.copy_(op(self, other))
    compare_.__name__, compare_.__doc__ = name + "_", f"``{name}`` in place: 1 where true, else 0, in this dtype."
    return compare_


class ComparisonMethods:
    """``x.eq(y)`` ... and ``x.eq_(y)`` ... of :class:`~chainrule.tensor.Tensor`."""

    __slots__ = ()


for _name, _op in _OPS.items():
    setattr(ComparisonMethods, _name, _method(_op, _name))
    setattr(ComparisonMethods, _name + "_", _inplace(_op, _name))
