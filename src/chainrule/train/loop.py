"""The training step written once, and `fit`: the small loop around it (nanoGPT's shape: batch, forward, loss,
backward, step), for experiments that need no run folder.

`Trainer` (the ``chainrule train`` loop, with checkpoints, evaluation and data parallelism) takes its steps'
loss from `step_loss` too, so a step of ``fit`` and a step of ``chainrule train`` are the same arithmetic::

    losses = fit(model, Adam(model.parameters(), lr=1e-2), [(X, y)], epochs=500, reg=1e-3)   # full batch
"""
from __future__ import annotations

import numpy as np

from ..nn import functional as F
from ..nn import l2_penalty
from ..tensor import Tensor


def step_loss(model, X, y, loss_fn=None, reg_params=None, reg: float = 0.0):
    """``(scores, data_loss, loss)`` of one step: ``model(X)``, ``loss_fn(scores, y)`` (default softmax
    cross-entropy) and the loss to backpropagate, the data loss plus ``l2_penalty(reg_params, reg)`` in the same
    graph (``reg_params``: the model's weight matrices when None; none for ``reg`` 0 or no ``reg_params``). An
    empty batch has no loss (None, None)."""
    scores = model(X if isinstance(X, Tensor) else Tensor(np.asarray(X)))
    if not len(y):
        return scores, None, None
    data_loss = (loss_fn or F.cross_entropy)(scores, y)
    if not reg or reg_params is not None and not len(reg_params):
        return scores, data_loss, data_loss
    return scores, data_loss, data_loss + l2_penalty(model if reg_params is None else reg_params, reg)


def fit(model, optimizer, batches, *, epochs: int = 1, loss_fn=None, reg: float = 0.0, on_epoch=None) -> list:
    """Train ``model`` with ``optimizer`` for ``epochs`` passes over ``batches`` and return each epoch's data loss.

    ``batches``: ``(X, y)`` pairs (a list, a `DataLoader`), or a function ``epoch -> pairs`` for batches that
    change from epoch to epoch (a reshuffle). Each step is `step_loss` (``loss_fn`` + ``l2_penalty(model, reg)``),
    ``zero_grad``, ``backward``, ``step``. An epoch's loss is the mean over its samples of the data loss (without
    the penalty; one batch: its loss). ``on_epoch(epoch, model)`` after each epoch (1-based). The model is in
    train mode while it trains and in eval mode afterwards. Deterministic given chainrule's seed and the batches.
    """
    history = []
    model.train()
    for epoch in range(1, epochs + 1):
        total, count, steps, value = 0.0, 0, 0, float("nan")
        for X, y in (batches(epoch) if callable(batches) else batches):
            _, data_loss, loss = step_loss(model, X, y, loss_fn, reg=reg)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = float(data_loss.item())
            total, count, steps = total + value * len(y), count + len(y), steps + 1
        history.append(value if steps == 1 else total / count)
        if on_epoch is not None:
            on_epoch(epoch, model)
    model.eval()
    return history
