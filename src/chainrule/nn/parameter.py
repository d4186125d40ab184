"""Parameter: a tensor that a :class:`~chainrule.nn.Module` learns.

A ``Parameter`` is an ordinary :class:`~chainrule.Tensor` (a subclass with no extra slots) that requires grad
by default. Assigning one to an attribute of a module registers it, so ``parameters()``, ``state_dict()``
and the optimizers find it.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _to_array, get_default_dtype

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A learnable tensor: ``Parameter(data, requires_grad=True)``.

    ``data`` may be a Tensor or a NumPy array (its memory is shared, not copied) or nested lists (converted
    to the default dtype). Only floating-point data can require gradients.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = np.empty((0,), dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            data = data.data
        elif not isinstance(data, np.ndarray):
            data = _to_array(data, copy=False)
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        new = Parameter(self.data.copy(), self.requires_grad)
        if self.grad is not None:
            new.grad = Tensor(self.grad.data.copy())
        memo[id(self)] = new
        return new
