"""Training pictures: curves, weight templates, decision boundaries, activations, gradient flow, dead ReLUs.

Every function draws one figure and writes it to ``path`` (PNG or SVG by the extension; PDF too), atomically,
and returns the path. matplotlib is imported inside the functions (it is an optional dependency) and used
through its object-oriented API with the non-interactive Agg canvas: no window opens, no global pyplot state
is touched, so these functions are safe in scripts, servers, tests and notebooks alike (a notebook's own
backend is left as it was).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import ConfigError, ShapeError
from .activation_analysis import ACTIVATIONS, _blocked_tails, activation_derivatives
from .figures import _array, figure, save_figure

__all__ = ["figure", "save_figure", "plot_curves", "templates_grid", "plot_templates", "plot_templates_comparison",
           "plot_decision_boundary", "plot_decision_boundaries", "plot_activations", "activation_derivatives",
           "plot_gradient_norms", "plot_dead_relu", "plot_confusion_matrix", "ACTIVATIONS"]


# --- loss & accuracy curves ----------------------------------------------------------------------------

_SPLITS = (("train_", "train"), ("val_", "val"), ("valid_", "val"), ("validation_", "val"), ("test_", "test"))


def _split_key(key: str):
    """``train_loss`` -> ("loss", "train"); ``val_acc`` -> ("acc", "val"); ``loss`` -> ("loss", "train")."""
    for prefix, split in _SPLITS:
        if key.startswith(prefix):
            return key[len(prefix):], split
    for suffix, split in (("_train", "train"), ("_val", "val"), ("_test", "test")):
        if key.endswith(suffix):
            return key[: -len(suffix)], split
    return key, "train"


def plot_curves(history, path, *, title: str | None = None, x_key: str = "epoch", log_loss: bool = False) -> Path:
    """Loss and accuracy (and any other metric) per epoch, train and validation on the same axes.

    ``history`` is a list of per-epoch dicts such as ``{"epoch": 1, "train_loss": 2.1, "val_loss": 2.0,
    "train_acc": 0.31, "val_acc": 0.30}``. Keys are grouped by metric: ``train_X``/``val_X``/``test_X`` (or
    ``X``/``val_X``, Keras style) share one panel. Missing or non-numeric entries are skipped.
    """
    history = list(history)
    if not history:
        raise ConfigError("plot_curves: the history is empty (expected a list of per-epoch metric dicts).")
    if not all(isinstance(h, dict) for h in history):
        raise ConfigError("plot_curves: each history entry must be a dict of metrics.")
    xs = [h.get(x_key, i + 1) for i, h in enumerate(history)]
    panels: dict[str, dict[str, list]] = {}
    for key in dict.fromkeys(k for h in history for k in h):
        if key == x_key:
            continue
        vals = []
        for h in history:
            v = h.get(key)
            vals.append(float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else math.nan)
        if all(math.isnan(v) for v in vals):
            continue
        metric, split = _split_key(key)
        panels.setdefault(metric, {})[split] = vals
    if not panels:
        raise ConfigError("plot_curves: no numeric metric in the history.")
    order = sorted(panels, key=lambda m: (0 if "loss" in m else 1 if m.startswith("acc") else 2, m))
    fig = figure((5.2 * len(order), 3.8))
    axes = fig.subplots(1, len(order), squeeze=False)[0]
    styles = {"train": dict(color="#1f77b4", marker="o"), "val": dict(color="#d62728", marker="s"),
              "test": dict(color="#2ca02c", marker="^")}
    integer_x = all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in xs)
    for ax, metric in zip(axes, order):
        for split, vals in panels[metric].items():
            ax.plot(xs, vals, label=split, markersize=3, linewidth=1.6, **styles.get(split, {}))
        ax.set_xlabel(x_key)
        ax.set_ylabel(metric)
        ax.set_title(metric)
        if integer_x:  # epochs are whole numbers: no 1.25, 2.5 ticks on short runs
            from matplotlib.ticker import MaxNLocator
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if "loss" in metric and log_loss:
            ax.set_yscale("log")
        if metric.startswith("acc"):
            split = "val" if panels[metric].get("val") else "train"
            best = panels[metric].get(split)
            if best and not all(math.isnan(v) for v in best):
                i = int(np.nanargmax(best))
                # a star on the curve, its value in the legend: nothing drawn outside the axes
                ax.plot([xs[i]], [best[i]], linestyle="none", marker="*", markersize=11, color="#ffb000",
                        markeredgecolor="k", markeredgewidth=0.6, zorder=5,
                        label=f"best {split} {best[i]:.3f} ({x_key} {xs[i]})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


# --- weight templates ----------------------------------------------------------------------------------

def _infer_image_shape(d: int):
    """The image shape behind d inputs, channels last as ``chainrule.data`` flattens images (H, W, C)."""
    r = math.isqrt(d)
    if r * r == d:
        return (r, r)
    if d % 3 == 0:
        r = math.isqrt(d // 3)
        if r * r * 3 == d:
            return (r, r, 3)
    return None


def _as_templates(weights, image_shape):
    """(H, D) weights and an image shape: (C, H, W) channels-first, (H, W, C) or (H, W)."""
    w = _array(weights).astype(np.float64, copy=False)
    if w.ndim > 2:
        w = w.reshape(w.shape[0], -1)
    if w.ndim != 2:
        raise ShapeError(f"templates: expected first-layer weights of shape (H, D), got {w.shape}.")
    if image_shape is None:
        shape = _infer_image_shape(w.shape[1])
        if shape is None and _infer_image_shape(w.shape[0]) is not None:
            w = w.T  # CS231n's W1 is (D, H); chainrule's Linear weight is (H, D)
            shape = _infer_image_shape(w.shape[1])
        if shape is None:
            raise ShapeError(f"templates: cannot tell the image shape of {w.shape[1]} inputs; pass image_shape= "
                             f"e.g. (32, 32, 3) or (28, 28).")
        image_shape = shape
    image_shape = tuple(int(s) for s in image_shape)
    if int(np.prod(image_shape)) != w.shape[1]:
        if int(np.prod(image_shape)) == w.shape[0]:
            w = w.T
        else:
            raise ShapeError(f"templates: weights {w.shape} do not hold images of shape {image_shape}.")
    tiles = w.reshape((w.shape[0],) + image_shape)
    if tiles.ndim == 4 and tiles.shape[1] in (1, 3) and tiles.shape[3] not in (1, 3):
        tiles = tiles.transpose(0, 2, 3, 1)  # channels-first (CIFAR rows) -> channels-last for display
    if tiles.ndim == 4 and tiles.shape[3] == 1:
        tiles = tiles[..., 0]
    return tiles


def _minmax(t):
    lo, hi = float(t.min()), float(t.max())
    return (t - lo) / (hi - lo) if hi > lo else np.zeros_like(t)


def templates_grid(weights, image_shape=None, *, ncols: int | None = None, padding: int = 1) -> np.ndarray:
    """All templates in one image, each tile min-max scaled to [0, 1] (as CS231n's ``visualize_grid``).

    ``weights`` has one template per row, (H, D) (a (D, H) matrix is transposed when that is the only way
    it fits). Returns an (rows*h, cols*w[, 3]) array with ``padding`` pixels of white between tiles.
    """
    tiles = _as_templates(weights, image_shape)
    n = tiles.shape[0]
    ncols = ncols or int(math.ceil(math.sqrt(n)))
    nrows = int(math.ceil(n / ncols))
    h, w = tiles.shape[1:3]
    extra = tiles.shape[3:]
    grid = np.ones((nrows * (h + padding) - padding, ncols * (w + padding) - padding) + extra)
    for k in range(n):
        r, c = divmod(k, ncols)
        grid[r * (h + padding): r * (h + padding) + h, c * (w + padding): c * (w + padding) + w] = _minmax(tiles[k])
    return grid


def _show_grid(ax, grid, title=None):
    cmap = None if grid.ndim == 3 else "gray"
    ax.imshow(grid, cmap=cmap, interpolation="nearest", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def _show_tiles(fig, tiles, names, ncols):
    """One small subplot per template (titled with ``names``) on ``fig`` (a figure or subfigure)."""
    n = tiles.shape[0]
    ncols = min(n, ncols)
    nrows = int(math.ceil(n / ncols))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_visible(False)
            continue
        t = _minmax(tiles[k])
        ax.imshow(t, cmap=None if t.ndim == 3 else "gray", interpolation="nearest", vmin=0, vmax=1)
        if names is not None and k < len(names):
            ax.set_title(str(names[k]), fontsize=8)


def plot_templates(weights, path, *, image_shape=None, class_names=None, ncols: int | None = None,
                   max_templates: int | None = 400, title: str | None = None) -> Path:
    """First-layer weights as images, one tile per template (section 1.2 of the lecture: "templates").

    ``weights``: (H, D), e.g. a ``Linear(3072, 100)`` weight for CIFAR (tiles (32, 32, 3), as chainrule.data flattens) or
    ``Linear(784, H)`` for MNIST (28 x 28); ``image_shape`` when it cannot be guessed. With ``class_names``
    (a linear classifier's 10 templates) each tile gets its class as a title.
    """
    tiles = _as_templates(weights, image_shape)
    if max_templates is not None and tiles.shape[0] > max_templates:
        tiles = tiles[:max_templates]
    if class_names is not None:
        n = tiles.shape[0]
        ncols_ = min(n, 5)
        fig = figure((1.6 * ncols_, 1.8 * math.ceil(n / ncols_) + 0.4))
        _show_tiles(fig, tiles, class_names, 5)
    else:
        grid = templates_grid(tiles.reshape(tiles.shape[0], -1), tiles.shape[1:], ncols=ncols)
        fig = figure((7, 7 * grid.shape[0] / max(grid.shape[1], 1) + 0.5))
        _show_grid(fig.add_subplot(1, 1, 1), grid)
    fig.suptitle(title or f"{tiles.shape[0]} templates (each tile min-max scaled)")
    return save_figure(fig, path)


def plot_templates_comparison(linear_weights, net_weights, path, *, class_names=None, image_shape=None,
                              max_hidden: int = 100, title: str | None = None) -> Path:
    """A linear classifier's templates (one per class) beside a 2-layer net's first-layer templates.

    The lecture's point 1.2: a linear classifier learns one blurred template per class; the hidden layer
    learns H templates (parts, colours, edges) that the second layer recombines.
    """
    lin = _as_templates(linear_weights, image_shape)
    net = _as_templates(net_weights, image_shape)[:max_hidden]
    fig = figure((13, 6))
    left, right = fig.subfigures(1, 2, width_ratios=[0.8, 1.25])
    _show_tiles(left, lin, class_names, 3)
    left.suptitle(f"Linear classifier: {lin.shape[0]} templates, one per class", fontsize=11)
    grid = templates_grid(net.reshape(net.shape[0], -1), net.shape[1:])
    _show_grid(right.add_subplot(1, 1, 1), grid)
    right.suptitle(f"2-layer net: {net.shape[0]} hidden templates (first-layer weights)", fontsize=11)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


# --- decision boundaries -------------------------------------------------------------------------------

def _predict_classes(predict, pts):
    scores = _array(predict(pts))
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores.argmax(axis=1), scores.shape[1]
    scores = scores.reshape(-1)
    return (scores > 0).astype(int), 2


def _draw_boundary(ax, predict, X, y, resolution, padding, title, accuracy=True):
    from matplotlib.colors import ListedColormap
    X = _array(X).astype(np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"decision boundary: X must have shape (N, 2), got {X.shape}.")
    y = None if y is None else _array(y).astype(int).reshape(-1)
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    classes, n_classes = _predict_classes(predict, pts)
    if y is not None and y.size:
        n_classes = max(n_classes, int(y.max()) + 1)
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf"]
    colors = [palette[i % len(palette)] for i in range(n_classes)]
    ax.contourf(gx, gy, classes.reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.25)
    ax.contour(gx, gy, classes.reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5, colors="k",
               linewidths=0.6, alpha=0.5)
    if y is not None:
        ax.scatter(X[:, 0], X[:, 1], c=[colors[i] for i in y], s=12, edgecolors="k", linewidths=0.3)
        if accuracy:
            acc = float(np.mean(_predict_classes(predict, X.astype(np.float32))[0] == y))
            title = f"{title} (acc {acc:.2f})" if title else f"accuracy {acc:.2f}"
    else:
        ax.scatter(X[:, 0], X[:, 1], s=12, color="k")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def plot_decision_boundary(predict, X, y, path, *, title: str | None = None, resolution: int = 200,
                           padding: float = 0.5) -> Path:
    """The regions a 2-D classifier assigns to each class, with the data points on top.

    ``predict`` maps an (N, 2) float32 array to scores (N, C) (argmax is the class; a Tensor is fine) or
    to (N,) scores of a binary classifier (class 1 where the score is > 0).
    """
    fig = figure((5.2, 5))
    with np.errstate(all="ignore"):
        _draw_boundary(fig.add_subplot(1, 1, 1), predict, X, y, resolution, padding, title)
    return save_figure(fig, path)


def plot_decision_boundaries(panels, X, y, path, *, ncols: int = 3, resolution: int = 150,
                             padding: float = 0.5, title: str | None = None, accuracy: bool = True) -> Path:
    """Several classifiers' decision boundaries on the same data, side by side.

    ``panels``: a dict ``{title: predict}`` or a list of ``(title, predict)`` pairs (e.g. one per hidden size
    or per regularization strength: lecture section 3.1). ``accuracy`` adds each panel's accuracy on the
    points drawn to its title; pass False when the titles already give the accuracy a table reports.
    """
    items = list(panels.items()) if isinstance(panels, dict) else [tuple(p) for p in panels]
    if not items:
        raise ConfigError("plot_decision_boundaries: no panels given.")
    ncols = max(1, min(ncols, len(items)))
    nrows = int(math.ceil(len(items) / ncols))
    fig = figure((4 * ncols, 4 * nrows + (0.4 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    with np.errstate(all="ignore"):
        for ax, (name, predict) in zip(axes, items):
            _draw_boundary(ax, predict, X, y, resolution, padding, str(name), accuracy)
    for ax in axes[len(items):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)



def plot_activations(path, *, names=ACTIVATIONS, x_range=(-5.0, 5.0), threshold: float = 0.05,
                     points: int = 801, title: str | None = None) -> Path:
    """Each activation function and its derivative on one page, with the regions that block the gradient shaded.

    Shaded (tails of the range only): dark hatched where ``f'(x) = 0`` exactly (ReLU's dead side), light
    grey where ``|f'(x)| < threshold`` and still shrinking (saturation: the vanishing gradient of sigmoid
    and tanh). A derivative that is small but constant, as Leaky ReLU's 0.01, is not shaded; the panel says
    so. Derivatives come from chainrule's backward pass, so the page doubles as a visual check of the
    derivative table.
    """
    from matplotlib.patches import Patch
    names = list(names)
    x = np.linspace(x_range[0], x_range[1], points)
    ncols = 4 if len(names) > 4 else len(names)
    nrows = int(math.ceil(len(names) / ncols))
    fig = figure((3.6 * ncols, 3 * nrows + 0.8))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    kinds = set()
    for ax, name in zip(axes, names):
        f, df = activation_derivatives(name, x)
        for a, b, kind in _blocked_tails(x, df, threshold):
            kinds.add(kind)
            if kind == "zero":
                ax.axvspan(a, b, facecolor="#757575", alpha=0.35, hatch="//", edgecolor="#424242", linewidth=0)
            else:
                ax.axvspan(a, b, color="#9e9e9e", alpha=0.25, linewidth=0)
        ax.plot(x, f, color="#1a7f37", linewidth=1.8, label="f(x)")
        ax.plot(x, df, color="#c62828", linewidth=1.4, linestyle="--", label="f'(x)")
        neg = df[x < 0]
        if neg.size and 0 < np.abs(neg).min() < threshold and np.ptp(neg) < 1e-9:
            ax.text(0.04, 0.55, f"f' = {neg[0]:g} for x < 0:\nsmall, never 0: the unit\nstill learns (alive)",
                    transform=ax.transAxes, fontsize=8, color="#c62828", va="bottom")
        ax.axhline(0, color="k", linewidth=0.5)
        ax.axvline(0, color="k", linewidth=0.5)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.set_xlim(x[0], x[-1])
    for ax in axes[len(names):]:
        ax.set_visible(False)
    handles = [axes[0].lines[0], axes[0].lines[1]]
    if "vanishing" in kinds:
        handles.append(Patch(color="#9e9e9e", alpha=0.25, label=f"saturated: |f'| < {threshold:g} and shrinking"))
    if "zero" in kinds:
        handles.append(Patch(facecolor="#757575", alpha=0.35, hatch="//", edgecolor="#424242",
                             label="f' = 0: no gradient at all (dead side)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    fig.suptitle(title or "activations (green) and their derivatives (red, from chainrule's backward)")
    return save_figure(fig, path)


# --- gradient flow and dead units ----------------------------------------------------------------------

#: Line styles for several series on one axes, so that lines lying on top of each other stay visible:
#: each later line is thinner, dashed or dotted, with its own marker.
_SERIES_STYLES = (dict(linestyle="-", marker="o", linewidth=3.2, markersize=6),
                  dict(linestyle="--", marker="s", linewidth=2.4, markersize=5, markerfacecolor="none"),
                  dict(linestyle="-.", marker="^", linewidth=1.9, markersize=5),
                  dict(linestyle=":", marker="x", linewidth=1.9, markersize=6),
                  dict(linestyle=(0, (5, 1)), marker="D", linewidth=1.4, markersize=4, markerfacecolor="none"),
                  dict(linestyle=(0, (1, 1)), marker="v", linewidth=1.2, markersize=4))


def _series_style(k: int) -> dict:
    return dict(_SERIES_STYLES[k % len(_SERIES_STYLES)])


def _legend_outside(ax):
    """The legend to the right of the axes, where it cannot cover data."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def plot_gradient_norms(norms, path, *, title: str | None = None, ylabel: str = "gradient norm") -> Path:
    """Per-layer gradient norms through depth, one line per activation, log scale.

    ``norms``: ``{"sigmoid": [n_layer1, n_layer2, ...], "relu": [...]}`` (or one list). Shows how the
    gradient vanishes through saturating activations (lecture section 2.1). Each line has its own dash
    and marker, and a line within 5% of an earlier one everywhere says so in the legend, so that two
    activations with the same gradients (ReLU and Leaky ReLU at initialization) are both seen.
    """
    if not isinstance(norms, dict):
        norms = {"gradient": norms}
    if not norms:
        raise ConfigError("plot_gradient_norms: no norms given.")
    fig = figure((7.6, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    drawn = []
    for k, (name, vals) in enumerate(norms.items()):
        vals = np.asarray(_array(vals), dtype=np.float64).reshape(-1)
        layers = np.arange(1, vals.size + 1)
        ok = vals > 0
        label = str(name)
        for other, ovals in drawn:
            if ovals.shape == vals.shape and np.all(ok) and np.allclose(vals, ovals, rtol=0.05, atol=0):
                label += f" (on top of {other})"
                break
        drawn.append((str(name), vals))
        ax.plot(layers[ok], vals[ok], label=label, zorder=2 + k, **_series_style(k))
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = closest to the input)")
    ax.set_ylabel(ylabel)
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
    _legend_outside(ax)
    ax.set_title(title or "gradient norm per layer")
    return save_figure(fig, path)


def plot_dead_relu(fractions, path, *, steps=None, title: str | None = None, xlabel: str = "epoch",
                   ylabel: str = "fraction of dead ReLUs") -> Path:
    """The fraction of dead ReLU units (never active on a batch) over training, per layer.

    ``fractions``: a list of fractions in [0, 1] (one per epoch or step), or ``{label: [...]}``; ``ylabel``
    names what the fractions count when a series is not dead units (say, inactive Leaky ReLUs). The
    legend sits beside the axes, never on the data.
    """
    if not isinstance(fractions, dict):
        fractions = {"hidden units": fractions}
    if not fractions:
        raise ConfigError("plot_dead_relu: no fractions given.")
    fig = figure((8.4, 4))
    ax = fig.add_subplot(1, 1, 1)
    for k, (name, vals) in enumerate(fractions.items()):
        vals = np.asarray(_array(vals), dtype=np.float64).reshape(-1)
        xs = np.asarray(steps) if steps is not None else np.arange(1, vals.size + 1)
        style = _series_style(k)
        style.update(linewidth=style["linewidth"] * 0.6, markersize=style["markersize"] * 0.6)
        ax.plot(xs[: vals.size], vals, label=str(name), **style)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if steps is None or all(float(s).is_integer() for s in np.asarray(steps).reshape(-1)):
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    ax.set_title(title or "dead ReLUs over training")
    return save_figure(fig, path)


def plot_confusion_matrix(cm, path, *, class_names=None, normalize: bool = False, title: str | None = None) -> Path:
    """A confusion matrix (rows: true class, columns: predicted), counts written in the cells.

    ``normalize=True`` divides each row by its total (per-class recall on the diagonal).
    """
    cm = _array(cm).astype(np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ShapeError(f"plot_confusion_matrix: expected a square (C, C) matrix, got {cm.shape}.")
    c = cm.shape[0]
    if class_names is not None and len(class_names) != c:
        raise ShapeError(f"plot_confusion_matrix: {len(class_names)} class names for {c} classes.")
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1e-12) if normalize else cm
    size = max(4.5, 0.55 * c + 2)
    fig = figure((size + 1, size))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(shown, cmap="Blues", interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.8)
    labels = [str(n) for n in class_names] if class_names is not None else [str(i) for i in range(c)]
    ax.set_xticks(range(c))
    ax.set_yticks(range(c))
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if c <= 20:
        top = shown.max() if shown.size else 0
        for i in range(c):
            for j in range(c):
                v = shown[i, j]
                text = f"{v:.2f}" if normalize else f"{int(round(v))}"
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * top else "black")
    acc = float(np.trace(cm) / cm.sum()) if cm.sum() else float("nan")
    ax.set_title(title or f"confusion matrix (accuracy {acc:.3f})")
    return save_figure(fig, path)
