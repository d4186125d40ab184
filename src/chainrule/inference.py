"""``inference_mode``: PyTorch's switch for code that will never be differentiated, as a ``with`` block or a
decorator (``@cr.inference_mode`` and ``@cr.inference_mode()``), and ``is_inference_mode_enabled``.

In chainrule it is ``no_grad`` that also answers ``is_inference_mode_enabled()``: tensors made inside are
ordinary tensors (PyTorch marks them as inference tensors, which later refuse autograd and in-place changes
outside the mode; chainrule has no such mark and keeps their version counters).
"""
from __future__ import annotations

from .autograd import _GradMode, _GradModeContext

__all__ = ["inference_mode", "is_inference_mode_enabled"]

_enabled = False


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (and not inside a nested ``inference_mode(False)``)."""
    return _enabled


class inference_mode(_GradModeContext):
    """Inside it no graph is built and ``is_inference_mode_enabled()`` is True; ``inference_mode(False)``
    leaves the mode (and turns grad mode on, as PyTorch's does)."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)                       # @cr.inference_mode without parentheses

    def __init__(self, mode: bool = True):
        self.inference = mode
        self.mode = not mode

    def __enter__(self):
        global _enabled
        self.prev, self.prev_inference = _GradMode.enabled, _enabled
        _GradMode.enabled, _enabled = self.mode, self.inference

    def __exit__(self, *exc):
        global _enabled
        _GradMode.enabled, _enabled = self.prev, self.prev_inference
        return False

    def _again(self):
        return inference_mode(self.inference)
