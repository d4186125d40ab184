"""Numbers, arrays, shapes and keywords as short label text; the picture's colours."""
from __future__ import annotations

import html

import numpy as np


GREEN = "#1a7f37"   # forward values


RED = "#c62828"     # gradients


ORANGE = "#b35c00"  # the gradient adder (copy gate)


GREY = "#666666"


def _num(v) -> str:
    """A number in at most 4 significant digits, floats always looking like floats ("2.0", "-0.3333")."""
    v = float(v) + 0.0  # -0.0 + 0.0 is 0.0: a zero gradient prints as 0.0, never -0.0
    s = f"{v:.4g}"
    if s.lstrip("-").isdigit():
        s += ".0"
    return s


def _array_text(a) -> str:
    a = np.asarray(a)
    if a.size == 1:
        x = a.reshape(-1)[0]
        return _num(x) if np.issubdtype(a.dtype, np.number) or a.dtype == bool else str(x)
    flat = ", ".join(_num(x) if np.issubdtype(a.dtype, np.number) else str(x) for x in a.reshape(-1))
    return f"[{flat}]" if a.ndim == 1 else f"[{flat}] {a.shape}"


def _shape_text(shape) -> str:
    return "scalar" if shape == () else "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _kw_text(kw) -> str:
    parts = []
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            v = f"array{_shape_text(v.shape)}"
        elif isinstance(v, (tuple, list)) and len(v) > 6:
            v = f"{type(v).__name__} of {len(v)}"
        text = f"{k}={v}"
        parts.append(text if len(text) <= 40 else text[:37] + "...")
    return ", ".join(parts)


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


def _dot_id(s) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'
