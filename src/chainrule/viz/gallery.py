"""A gallery of misclassified images: each with its true and predicted class and the predicted probability."""
from __future__ import annotations

import math

import numpy as np

from .plots import figure, save_figure


def plot_misclassified(images, true, pred, prob, path, *, class_names=None, ncols: int = 8, title: str | None = None):
    """Draw ``images`` (N, H, W) or (N, H, W, 3), raw pixels 0..255, with ``true`` and ``pred`` class numbers and
    ``prob`` (the predicted class's probability) under each; returns ``path``."""
    images = np.asarray(images, dtype=np.float32)
    n = len(images)
    if n == 0:
        raise ValueError("no misclassified images to draw")
    names = list(class_names) if class_names is not None else None
    label = (lambda k: str(names[k])[:14]) if names else str
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = figure((1.35 * ncols, 1.55 * nrows + (0.4 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i in range(n):
        ax = axes.ravel()[i]
        img = np.clip(images[i] / 255.0, 0, 1)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{label(int(true[i]))}\n-> {label(int(pred[i]))} {float(prob[i]):.0%}", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return save_figure(fig, path)
