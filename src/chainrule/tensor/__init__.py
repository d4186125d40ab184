"""Tensor: a NumPy array, its gradient, and the node of the graph that made it; the functions that create one.

``core`` (the Tensor class), ``creation`` (``tensor`` and the factories), ``dtypes`` (the default dtype, data
to array), ``arguments`` (shapes in both forms, ``size(dim)``, dim/axis, ``to(...)``).
"""
from .dtypes import _check_grad_dtype, _to_array, get_default_dtype, set_default_dtype
from .arguments import _shape_arg, to_arguments
from .core import RemovableHandle, Tensor
from .creation import (arange, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand, randn, tensor,
                       zeros, zeros_like)

__all__ = ["Tensor", "tensor", "set_default_dtype", "get_default_dtype", "zeros", "ones", "randn", "rand",
           "arange", "zeros_like", "ones_like", "full", "eye", "linspace", "full_like", "from_numpy"]
