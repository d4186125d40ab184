"""Anomaly mode: an op that produces NaN or inf raises, naming the op and the line that created it."""
from __future__ import annotations

import contextlib
import traceback

import numpy as np

from ..errors import ChainruleError
from .mode import _GradMode


class AnomalyError(ChainruleError, FloatingPointError, RuntimeError):
    """An op produced NaN or inf while :func:`detect_anomaly` was active."""


class detect_anomaly(contextlib.ContextDecorator):
    """Inside it, the first op whose forward or backward produces NaN/inf raises :class:`AnomalyError`.

    The error names the op and the line of user code that created it. Costs one ``isfinite`` per op.
    """

    def __enter__(self):
        self.prev = _GradMode.anomaly
        _GradMode.anomaly = True

    def __exit__(self, *exc):
        _GradMode.anomaly = self.prev
        return False


#: chainrule's own machinery, never the place to blame: the tensor and its ops
_ENGINE = ("/chainrule/autograd/", "/chainrule/tensor/", "/chainrule/ops/", "/chainrule/nn/functional.py")
#: chainrule code that drives a model (the trainer, the command line, the lectures, a wrapped optimizer's
#: step(closure)): the model's line is below it
_DRIVERS = ("/chainrule/train/", "/chainrule/cli/", "/chainrule/lecture/", "/chainrule/distributed/")


def creation_site() -> str:
    """Where a value was created: the innermost line of user code, or, when chainrule itself runs the model
    (``chainrule train``), the line of the model that applied the op (not the console script's line)."""
    model_line = None
    for frame in reversed(traceback.extract_stack()[:-2]):
        name = frame.filename.replace("\\", "/")
        if "/chainrule/" not in name:
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
        if any(part in name for part in _DRIVERS):
            break
        if model_line is None and not any(part in name for part in _ENGINE):
            model_line = frame
    if model_line is None:
        return "<unknown>"
    return f"{model_line.filename}:{model_line.lineno} ({model_line.line})"


def check_finite(array, what: str, op_name: str, site: str | None) -> None:
    data = array.data if hasattr(array, "grad_fn") else array
    if np.issubdtype(np.asarray(data).dtype, np.inexact) and not np.all(np.isfinite(data)):
        where = f", created at {site}" if site else ""
        raise AnomalyError(f"{op_name} {what} produced NaN or inf{where}; "
                           f"check its inputs (e.g. log of 0, overflow in exp, division by 0).")
