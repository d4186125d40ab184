"""Grad mode: whether ops are recorded (``no_grad``, ``enable_grad``, ``set_grad_enabled``) and the engine's flags."""
from __future__ import annotations

import functools
import inspect


class _GradMode:
    enabled = True
    anomaly = False
    defer = False   # inside a first-order backward that fills .grad: VJPs may hand a Scaled (accumulate.py)


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return _GradMode.enabled


class _GradModeContext:
    """Base of the grad-mode switches: a context manager and a decorator (generator bodies included)."""

    mode = True

    def __enter__(self):
        self.prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev
        return False

    def _again(self):
        """A fresh switch to this one's setting, entered around each call (and each generator step)."""
        return _switch(self.mode)

    def __call__(self, fn):
        again = self._again
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                gen, sent = fn(*args, **kwargs), None
                while True:
                    with again():
                        try:
                            out = gen.send(sent)
                        except StopIteration as stop:
                            return stop.value
                    sent = yield out
            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with again():
                return fn(*args, **kwargs)
        return wrapper


class _switch(_GradModeContext):
    def __init__(self, mode: bool):
        self.mode = mode


class set_grad_enabled(_GradModeContext):
    """Set grad mode: at once as a plain call (``cr.set_grad_enabled(False)``), or for a ``with`` block or decorated function."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __enter__(self):        # ``prev`` was taken in __init__, before the switch
        _GradMode.enabled = self.mode

    def __call__(self, fn):
        _GradMode.enabled = self.prev      # used as a decorator: switch only while ``fn`` runs
        return super().__call__(fn)


class no_grad(_GradModeContext):
    """Inside ``with cr.no_grad():`` no graph is built: for inference and parameter updates."""

    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True


class _defer:
    """Set ``_GradMode.defer`` for a block: the engine's backward, and ``Node.vjps`` (never deferred)."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.prev, _GradMode.defer = _GradMode.defer, self.mode

    def __exit__(self, *exc):
        _GradMode.defer = self.prev
