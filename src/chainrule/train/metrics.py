"""Evaluation: scores in batches under ``no_grad``, accuracy, per-class accuracy, confusion matrix."""
from __future__ import annotations

import numpy as np

from .. import autograd
from ..nn import functional as F
from ..tensor import Tensor


def predict_scores(model, X, batch_size: int = 1000, dtype=np.float32) -> np.ndarray:
    """The model's class scores for every row of ``X`` ((N, C)), in eval mode without a graph.

    ``X`` is given to the model in batches of ``batch_size`` rows as ``dtype`` (None: its own). The model's
    train/eval mode is restored afterwards.
    """
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    out = []
    try:
        with autograd.no_grad():
            for start in range(0, len(X), batch_size):
                xb = np.ascontiguousarray(X[start:start + batch_size], dtype=dtype)
                s = model(Tensor(xb))
                out.append(s.data if isinstance(s, Tensor) else np.asarray(s))
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    if not out:
        return np.zeros((0, 0), np.float32)
    return np.concatenate(out)


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """``cm[i, j]``: how many examples of true class i were predicted as j (int64 (C, C))."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes).reshape(num_classes,
                                                                                                   num_classes)


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Accuracy on each true class (the diagonal over the row sums; NaN for a class with no examples)."""
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / np.maximum(totals, 1), np.nan)


def _loss(loss_fn, scores, y) -> float:
    """``loss_fn`` on all the scores without a graph; None: the ops' softmax cross-entropy, in float64 for a
    stable report."""
    if not len(y):
        return float("nan")
    with autograd.no_grad():
        value = F.cross_entropy(scores.astype(np.float64), y) if loss_fn is None else loss_fn(Tensor(scores), y)
    return float(value.data if isinstance(value, Tensor) else value)


def evaluate(model, X, y, num_classes: int | None = None, batch_size: int = 1000, details: bool = False,
             loss_fn=None) -> dict:
    """``{"loss", "acc", "n"}`` of ``model`` on ``(X, y)``; with ``details`` also ``confusion_matrix`` and
    ``per_class_acc`` (lists). ``loss_fn(scores, y)``: the loss reported (the one the model trains with;
    default softmax cross-entropy, in float64), called once on all the scores without a graph."""
    scores = predict_scores(model, X, batch_size)
    y = np.asarray(y)
    pred = scores.argmax(axis=1) if len(y) else np.zeros(0, np.int64)
    out = {"loss": _loss(loss_fn, scores, y), "acc": float((pred == y).mean()) if len(y) else float("nan"), "n": int(len(y))}
    if details:
        c = num_classes or scores.shape[1]
        cm = confusion_matrix(y, pred, c)
        out["confusion_matrix"] = cm.tolist()
        out["per_class_acc"] = [None if np.isnan(a) else float(a) for a in per_class_accuracy(cm)]
    return out
