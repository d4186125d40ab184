"""Figures for the pictures: a matplotlib Figure on the non-interactive Agg canvas, and atomic saving."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .._files import atomic_write
from ..errors import ConfigError

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def figure(figsize=(6.4, 4.2)):
    """A matplotlib Figure on the non-interactive Agg canvas (no global backend switched, safe in notebooks)."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise ImportError("chainrule.viz.plots needs matplotlib: pip install 'chainrule[viz]' "
                          "(or pip install matplotlib).") from None
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _check_path(path) -> tuple[Path, str]:
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"cannot write a plot to {path.name!r}: use a .png, .svg or .pdf file name.")
    return path, fmt


def save_figure(fig, path) -> Path:
    """Write ``fig`` to ``path`` (PNG, SVG or PDF by the extension, 110 dpi) atomically and return the path."""
    path, fmt = _check_path(path)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=110)
    with atomic_write(path, "wb") as f:
        f.write(buf.getvalue())
    return path


def _array(x, name="array") -> np.ndarray:
    if hasattr(x, "grad_fn") and hasattr(x, "data"):  # a chainrule Tensor
        x = x.data
    if hasattr(x, "detach") and hasattr(x, "numpy"):   # a torch tensor, say
        x = x.detach().numpy()
    return np.asarray(x)

