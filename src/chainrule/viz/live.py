"""Live training curves for notebooks: loss and accuracy redrawn in place while a model trains.

    curves = cr.viz.LiveCurves(steps_per_epoch=len(loader))
    for epoch in range(1, epochs + 1):
        for X, y in tqdm(loader, desc=f"epoch {epoch}", leave=False):   # from tqdm.auto import tqdm
            ...
            curves.step(loss=loss.item())                # optional: a running curve inside each epoch
        curves.update(epoch=epoch, train_loss=..., val_loss=..., train_acc=..., val_acc=...)
    curves.close()

Each redraw renders one PNG with matplotlib's Agg canvas (no pyplot, no global state) and replaces the
previous picture through an IPython display handle (``display(..., display_id=True)`` then
``handle.update(...)``), so the cell holds one figure that grows instead of a hundred. Epoch records always
redraw; step points redraw at most every ``min_interval`` seconds, and less often when drawing is slow, so
plotting takes at most about a fifth of the training time. Outside a Jupyter kernel nothing is shown, but
the numbers are kept (`history`, `steps`) and `figure()`, `png()` and `save(path)` still work.

As a trainer callback: ``curves(record)`` and ``curves(trainer, record)`` both mean ``curves.update(record)``.
Records use the keys of `chainrule.viz.plots.plot_curves`: ``train_loss``/``val_loss``, ``train_acc``/
``val_acc`` (``loss`` alone counts as train), and ``epoch``.
"""
from __future__ import annotations

import io
import math
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .plots import _split_key, figure, save_figure

__all__ = ["LiveCurves", "in_notebook"]

_STYLES = {"train": dict(color="#1f77b4", marker="o"), "val": dict(color="#d62728", marker="s"),
           "test": dict(color="#2ca02c", marker="^")}


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where rich display and display handles work)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


class LiveCurves:
    """Loss and accuracy curves that update in place in a notebook cell (see the module docstring).

    ``metrics``: the panels, by metric name (``"loss"``, ``"acc"``, or any other key's metric part).
    ``steps_per_epoch``: lets `step` place its points on the epoch axis. ``min_interval``: the least number of
    seconds between redraws caused by `step` (more when drawing is slow: plotting takes at most about a fifth
    of the time). ``show``: display in the notebook (default: when running in a Jupyter kernel).
    ``log_loss``: loss on a log scale.
    """

    def __init__(self, metrics=("loss", "acc"), *, title: str | None = None, steps_per_epoch: int | None = None,
                 min_interval: float = 1.0, show: bool | None = None, log_loss: bool = False,
                 figsize: tuple | None = None):
        self.metrics = tuple(metrics)
        if not self.metrics:
            raise ConfigError("LiveCurves: give at least one metric to draw (e.g. metrics=('loss', 'acc')).")
        if steps_per_epoch is not None and int(steps_per_epoch) < 1:
            raise ConfigError(f"LiveCurves: steps_per_epoch={steps_per_epoch!r} must be a positive integer.")
        self.title = title
        self.steps_per_epoch = None if steps_per_epoch is None else int(steps_per_epoch)
        self.min_interval = float(min_interval)
        self.show = in_notebook() if show is None else bool(show)
        self.log_loss = bool(log_loss)
        self.figsize = figsize
        self.history: list = []          # the epoch records given to update()
        self.steps: list = []            # (x in epochs, {metric: value}) given to step()
        self.redraws = 0
        self._handle = None
        self._last_draw = -math.inf
        self._interval = self.min_interval
        self._dirty = False

    # --- feeding numbers -------------------------------------------------------------------------------
    def update(self, record: dict | None = None, **metrics) -> None:
        """Add one epoch's metrics (a dict and/or keywords: ``epoch=3, train_loss=1.2, val_acc=0.41``); redraw."""
        rec = dict(record or {})
        rec.update(metrics)
        if "epoch" not in rec:
            rec["epoch"] = len(self.history) + 1
        self.history.append(rec)
        self._draw(force=True)

    def step(self, loss=None, acc=None, *, epoch: float | None = None, **metrics) -> None:
        """Add a point inside an epoch (e.g. the batch loss); redraws are throttled (see the module docstring).

        The point sits at ``epoch`` (a float on the epoch axis) if given, else at
        ``steps done / steps_per_epoch``.
        """
        values = {k: v for k, v in (("loss", loss), ("acc", acc), *metrics.items()) if _number(v) is not None}
        if epoch is None:
            if self.steps_per_epoch is None:
                raise ConfigError("LiveCurves.step needs epoch= (where the point goes on the epoch axis) or "
                                  "LiveCurves(steps_per_epoch=len(loader)).")
            epoch = (len(self.steps) + 1) / self.steps_per_epoch
        self.steps.append((float(epoch), {k: float(v) for k, v in values.items()}))
        self._dirty = True
        self._draw(force=False)

    def __call__(self, *args, **kwargs) -> None:
        """Callback form: ``curves(record)`` or ``curves(trainer, record)`` both call ``update(record)``."""
        record = args[-1] if args else None
        if record is not None and not isinstance(record, dict):
            raise TypeError(f"LiveCurves callback: expected a dict of metrics, got {type(record).__name__}.")
        self.update(record, **kwargs)

    def close(self) -> None:
        """Draw the final picture (including step points not yet shown)."""
        if self._dirty or self.redraws == 0:
            self._draw(force=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # --- pictures ----------------------------------------------------------------------------------------
    def _series(self):
        """``{metric: {split: (xs, ys)}}`` from the epoch records, and the step points per metric."""
        panels: dict = {m: {} for m in self.metrics}
        for rec in self.history:
            x = _number(rec.get("epoch"))
            for key, value in rec.items():
                if key == "epoch":
                    continue
                metric, split = _split_key(key)
                y = _number(value)
                if metric in panels and x is not None and y is not None:
                    xs, ys = panels[metric].setdefault(split, ([], []))
                    xs.append(x)
                    ys.append(y)
        steps: dict = {}
        for x, values in self.steps:
            for metric, y in values.items():
                if metric in panels:
                    xs, ys = steps.setdefault(metric, ([], []))
                    xs.append(x)
                    ys.append(y)
        return panels, steps

    def figure(self):
        """A matplotlib Figure (Agg canvas) of the curves so far."""
        panels, steps = self._series()
        n = len(self.metrics)
        fig = figure(self.figsize or (4.6 * n, 3.3))
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax, metric in zip(axes, self.metrics):
            if metric in steps:
                xs, ys = steps[metric]
                ax.plot(xs, ys, color="#1f77b4", alpha=0.35, linewidth=0.9, label="train (per step)")
            for split, (xs, ys) in panels[metric].items():
                ax.plot(xs, ys, label=split, markersize=3, linewidth=1.6, **_STYLES.get(split, {}))
            if metric.startswith("acc"):
                best = panels[metric].get("val") or panels[metric].get("train")
                if best and best[1]:
                    i = int(np.argmax(best[1]))
                    ax.annotate(f"best {best[1][i]:.3f}", (best[0][i], best[1][i]), textcoords="offset points",
                                xytext=(0, 6), ha="center", fontsize=8)
            if "loss" in metric and self.log_loss:
                ax.set_yscale("log")
            ax.set_xlabel("epoch")
            ax.set_title(metric)
            ax.grid(alpha=0.3)
            if ax.get_lines():
                ax.legend(fontsize=8)
        fig.suptitle(self._headline(), fontsize=10)
        return fig

    def _headline(self) -> str:
        parts = [self.title] if self.title else []
        if self.history:
            last = self.history[-1]
            shown = [f"{k} {v:.4g}" for k, v in last.items() if k != "epoch" and _number(v) is not None
                     and _split_key(k)[0] in self.metrics]
            parts.append(f"epoch {last['epoch']}: " + ", ".join(shown))
        elif self.steps:
            parts.append(f"epoch {self.steps[-1][0]:.2f}")
        return " | ".join(parts) or "waiting for the first numbers"

    def png(self) -> bytes:
        """The current picture as PNG bytes."""
        buf = io.BytesIO()
        self.figure().savefig(buf, format="png", dpi=90)
        return buf.getvalue()

    def save(self, path) -> Path:
        """Write the current picture to ``path`` (.png, .svg or .pdf)."""
        return save_figure(self.figure(), path)

    def _repr_png_(self) -> bytes:
        return self.png()

    def _draw(self, force: bool) -> None:
        start = time.monotonic()
        if not force and start - self._last_draw < self._interval:
            return
        self._dirty = False
        if self.show:
            from IPython.display import Image, display
            image = Image(data=self.png(), format="png")
            if self._handle is None:
                self._handle = display(image, display_id=True)
            else:
                self._handle.update(image)
            self.redraws += 1
        self._last_draw = time.monotonic()
        # step redraws wait at least min_interval, and at least 4x as long as a drawing takes, so plotting
        # never takes more than about a fifth of the time (a slow or busy machine draws less often)
        self._interval = max(self.min_interval, 4.0 * (self._last_draw - start))
