"""The pictures and the HTML report written into a run folder when a run ends: `RunPictures`, a `Trainer` callback.

Drawn with `chainrule.viz.plots` and `chainrule.viz.report` when matplotlib is installed: training
curves, the first layer's weights as image templates (image data), the decision boundary (2-D data), the
test confusion matrix, dead ReLUs per epoch. A picture that cannot be drawn is skipped with a note: a run
never fails because of its pictures.

`chainrule.train.run_experiment` adds this callback to its runs (``plots``) without importing viz: importing
this module lists `RunPictures` in `chainrule._run_callbacks` (``import chainrule`` imports viz).
"""
from __future__ import annotations

import shlex
import warnings

import numpy as np

from .. import _run_callbacks

CURVE_KEYS = ("epoch", "train_loss", "val_loss", "train_acc", "val_acc")


class RunPictures:
    """A `Trainer` callback: when the run of experiment ``exp`` ends, draw its pictures into its run folder
    (`write_pictures`) and say which; ``written`` lists them."""

    def __init__(self, exp):
        self.exp = exp
        self.written = []

    def on_fit_end(self, trainer, final) -> None:
        self.written = write_pictures(self.exp, trainer.history, final)
        if self.written:
            trainer.progress.line(f"pictures: {', '.join(p.name for p in self.written)} in {self.exp.run.path}")


_run_callbacks.PICTURES.append(RunPictures)


def write_pictures(exp, history, final) -> list:
    """Write what applies into ``exp.run``; returns the paths written (empty without matplotlib)."""
    if exp.run is None:
        return []
    try:
        import matplotlib  # noqa: F401
        from . import plots
    except ImportError:
        return []
    run = exp.run.path
    splits, model, final = exp.splits, exp.model, final or {}
    written, figures = [], []

    def attempt(name, caption, fn, *args, **kw):
        try:
            path = fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - a picture must never fail a finished run
            warnings.warn(f"could not draw {name}: {e}", stacklevel=2)
            return
        written.append(path)
        figures.append({"path": str(path), "caption": caption})

    curves = [{k: h[k] for k in CURVE_KEYS if k in h} for h in history]
    if curves:
        attempt("curves", "loss and accuracy per epoch", plots.plot_curves, curves, run / "curves.png",
                title=exp.trainer.title)
    weights = _first_layer(model)
    if weights is not None and splits.image_shape is not None:
        linear = exp.config.model == "linear"
        names = list(splits.classes) if weights.shape[0] == splits.num_classes and linear else None
        kept = _still_initial(exp, weights)
        if linear:
            title = f"{weights.shape[0]} templates, one per class (learned from W = 0; each tile min-max scaled)"
        else:
            title = f"{min(100, weights.shape[0])} of {weights.shape[0]} first-layer templates (each tile min-max scaled)"
        caption = "first-layer weights as images (lecture 1.2: templates)"
        if kept is not None and kept > 0.5:
            title += (f"\nstill noise: their correlation with the random start is {kept:.3f}"
                      f"\n(training moved them too little to form templates)")
            caption += (f"; they still look like noise: their correlation with the random initial weights is "
                        f"{kept:.3f} (1 = unchanged), training moved them too little to form templates "
                        f"(chainrule lecture templates shows learned ones)")
        attempt("templates", caption, plots.plot_templates, weights, run / "templates.png",
                image_shape=tuple(splits.image_shape), class_names=names, max_templates=100, title=title)
    if splits.num_features == 2:
        from ..train.metrics import predict_scores
        attempt("decision boundary", "decision regions on the training data", plots.plot_decision_boundary,
                lambda pts: predict_scores(model, np.asarray(pts, np.float32)), splits.train.X, splits.train.y,
                run / "decision_boundary.png", title=exp.config.describe_model())
    cm = (final.get("test") or {}).get("confusion_matrix")
    if cm is not None:
        attempt("confusion matrix", "test confusion matrix (rows: true class)", plots.plot_confusion_matrix,
                np.asarray(cm), run / "confusion.png", class_names=list(splits.classes))
    gallery = _misclassified(model, splits) if splits.image_shape is not None else None
    if gallery is not None:
        from .gallery import plot_misclassified
        attempt("misclassified", "test images the model got wrong: true class, predicted class and its probability",
                plot_misclassified, *gallery, run / "misclassified.png", class_names=list(splits.classes),
                title=f"the first {len(gallery[0])} misclassified test images (true -> predicted, probability)")
    dead = [h.get("dead_units") for h in history]
    if dead and all(d is not None for d in dead):
        attempt("dead ReLUs", "fraction of hidden ReLUs never active on the validation set", plots.plot_dead_relu,
                dead, run / "dead_relu.png")
    try:
        from .report import write_report
        rows = [{"split": s, "examples": f"{final[s]['n']:,}", "loss": round(final[s]["loss"], 4),
                 "accuracy": _percent(final[s]["acc"])} for s in ("train", "val", "test") if s in final]
        sections = [{"heading": "Result", "text": f"Best validation accuracy at epoch {final.get('best_epoch')} "
                     f"of {final.get('epochs')}; {final.get('train_time_s')} s of training.", "table": rows},
                    {"heading": "Command", "text": "This run again (the same seed gives the same weights):",
                     "code": exp.config.command_line()},
                    {"heading": "Watch and compare", "text": "Its curves beside other runs' (live while a run "
                     "trains), the weights and gradients inside the net, and sweeps, on a local page:",
                     "code": "chainrule view " + shlex.quote(str(exp.run.path.parent))},
                    {"heading": "Configuration", "text": "The settings that apply to this model.",
                     "config": exp.config.applicable()}]
        if figures:
            sections.append({"heading": "Pictures", "images": figures})
        per_class = (final.get("test") or {}).get("per_class_acc")
        if per_class:
            sections.append({"heading": "Test accuracy per class",
                             "table": [{"class": c, "accuracy": _percent(a)} for c, a in zip(splits.classes, per_class)]})
        written.append(write_report(run / "report.html", exp.trainer.title, sections))
    except Exception as e:  # noqa: BLE001
        warnings.warn(f"could not write report.html: {e}", stacklevel=2)
    return written


def _misclassified(model, splits, limit: int = 24, scan: int = 2000):
    """``(images, true, predicted, probability)`` of the first ``limit`` wrong answers among the first ``scan``
    test images (raw pixels), or None when there are none."""
    from ..nn import functional as F
    from ..train.metrics import predict_scores
    test = splits.test
    X, y = test.X[:scan], np.asarray(test.y[:scan])
    if not len(y):
        return None
    p = F.softmax(predict_scores(model, X).astype(np.float64), dim=1)
    pred = p.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)[:limit]
    if not len(wrong):
        return None
    pre = splits.preprocessor
    raw = pre.inverse(X[wrong]) if pre is not None else np.asarray(X[wrong], np.float32)
    shape = tuple(splits.image_shape)
    images = raw.reshape((len(wrong),) + shape)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    return images, y[wrong], pred[wrong], p[wrong, pred[wrong]]


def _percent(acc) -> str:
    """``0.4061`` -> ``40.61%``, as the console prints it."""
    return "-" if acc is None else f"{acc:.2%}"


def _still_initial(exp, weights):
    """The correlation of the first layer's weights with their initial values (1: unchanged), or None.

    The initial weights are rebuilt from the run's seed (the global random state is left as it was).
    """
    from .. import random as _random
    from ..train.experiment import build_model
    if exp.config.model == "linear" or exp.config.init_from:
        return None                                 # starts at W = 0, or from trained weights
    state = _random.get_rng_state()
    try:
        start = _first_layer(build_model(exp.config, exp.splits.num_features, exp.splits.num_classes))
    finally:
        _random.set_rng_state(state)
    if start is None or start.shape != weights.shape:
        return None
    a, b = np.asarray(weights, np.float64).ravel(), np.asarray(start, np.float64).ravel()
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norm) if norm else None


def _first_layer(model):
    for name, p in model.named_parameters():
        if p.ndim == 2:
            return p.data
    return None
