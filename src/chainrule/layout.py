"""Where a tensor's values live and how they are laid out (:class:`LayoutMethods`, a base class of Tensor):
``contiguous is_contiguous stride storage_offset element_size nelement``, the device methods ``cpu cuda``
and the dtype shorthands ``half int short char byte``; and ``is_tensor``.

Strides and offsets are those of the NumPy array inside, counted in elements as PyTorch counts them;
chainrule computes on the CPU only, so ``cuda()`` is refused.
"""
from __future__ import annotations

import numpy as np

from . import autograd
from .errors import AxisError, DeviceError
from .ops import shape as _shp
from .ops.registry import normalize_axis

__all__ = ["is_tensor"]


def is_tensor(obj) -> bool:
    """True for a chainrule Tensor (a Parameter included), as ``torch.is_tensor``."""
    return isinstance(obj, autograd.TensorBase)


def _root(array):
    """The array that owns the memory ``array`` looks into (itself when it owns it)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


class LayoutMethods:
    """The memory-layout, device and dtype-shorthand methods of :class:`~chainrule.tensor.Tensor`."""

    __slots__ = ()

    def contiguous(self, memory_format=None):
        """Itself when its values lie in row-major order without gaps, else a row-major copy (differentiable)."""
        return self if self.is_contiguous() else _shp.contiguous(self)

    def is_contiguous(self, memory_format=None) -> bool:
        """True when the values lie in memory in row-major order without gaps (dims of size 1 aside)."""
        return bool(np.asarray(self.data).flags.c_contiguous)

    def stride(self, dim=None):
        """The steps in elements between neighbours along each dim (a tuple), or along ``dim`` (an int)."""
        data = np.asarray(self.data)
        strides = tuple(s // data.itemsize for s in data.strides)
        if dim is None:
            return strides
        if not strides:
            raise AxisError(f"stride({dim}): dimension specified as {dim} but tensor has no dimensions.")
        return strides[normalize_axis(dim, len(strides), "stride")]

    def storage_offset(self) -> int:
        """Where the first value sits in the memory this tensor shares, in elements from its start."""
        data = np.asarray(self.data)
        if data.size == 0:
            return 0
        start = _root(data).__array_interface__["data"][0]
        return (data.__array_interface__["data"][0] - start) // data.itemsize

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return int(np.asarray(self.data).itemsize)

    def nelement(self) -> int:
        """The number of elements (``numel``)."""
        return int(np.size(self.data))

    def cpu(self, memory_format=None):
        """Itself: chainrule's tensors always live on the CPU."""
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Refused with a :class:`~chainrule.errors.DeviceError`: chainrule has no GPU."""
        raise DeviceError("cuda(): chainrule computes with NumPy on the CPU only, so there is no CUDA device; "
                          "leave the tensor where it is (or call .cpu()).")

    def half(self, memory_format=None):
        """A float16 copy (itself when already float16); differentiable."""
        return self.astype(np.float16)

    def int(self, memory_format=None):
        """An int32 copy (values rounded toward zero)."""
        return self.astype(np.int32)

    def short(self, memory_format=None):
        """An int16 copy (values rounded toward zero)."""
        return self.astype(np.int16)

    def char(self, memory_format=None):
        """An int8 copy (values rounded toward zero)."""
        return self.astype(np.int8)

    def byte(self, memory_format=None):
        """A uint8 copy (values rounded toward zero)."""
        return self.astype(np.uint8)
