"""The Trainer: modes, zero-copy batches, L2 in the graph, its own loss in evaluation, exact resumption after a stop, divergence, diagnostics."""
from __future__ import annotations

import math
import os
import signal

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import MLP
from chainrule.train import (RunDir, Trainer, TrainingDiverged, build_experiment, build_optimizer,
                             build_scheduler, resolve)
from chainrule.train.diagnostics import hidden_unit_stats
from chainrule.train.metrics import confusion_matrix, evaluate, per_class_accuracy

QUIET = {"progress": "none", "plots": "false"}


def _small(**over):
    return resolve({**QUIET, "model": "mlp", "hidden": "16", "epochs": "4", "batch_size": "25", "dropout": "0.2",
                    "optimizer": "nesterov", "lr": "0.2", "schedule": "cosine", "warmup": "1", **over})


class Spy(cr.nn.Module):
    """Wraps a model; records the mode, grad mode and input array of every forward."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, cr.is_grad_enabled(), x.data))
        return self.inner(x)


class RecordingLoader:
    """A DataLoader wrapper that remembers the arrays it handed out."""

    def __init__(self, loader):
        self.loader, self.given = loader, []
        self.X, self.y = loader.X, loader.y

    def __len__(self):
        return len(self.loader)

    @property
    def epoch(self):
        return self.loader.epoch

    def __iter__(self):
        for Xb, yb in self.loader:
            self.given.append(Xb)
            yield Xb, yb

    def state_dict(self):
        return self.loader.state_dict()


def test_train_mode_for_steps_eval_mode_without_graph_for_evaluation():
    cfg = _small(epochs="1", warmup="0")
    exp = build_experiment(cfg, None, "none")
    spy = Spy(exp.model)
    loader = RecordingLoader(exp.loader)
    Trainer(spy, exp.optimizer, epochs=1, progress="none", diagnostics=False).fit(loader, exp.splits.val)
    steps = len(exp.loader)
    train_calls, eval_calls = spy.calls[:steps], spy.calls[steps:]
    assert all(training and grad for training, grad, _ in train_calls)
    assert eval_calls and all(not training and not grad for training, grad, _ in eval_calls)
    for (_, _, x), given in zip(train_calls, loader.given):            # Tensor(array): no copy
        assert x is given and x.dtype == np.float32 and x.flags.c_contiguous


def test_l2_adds_two_lambda_w_to_weight_gradients_only():
    model = MLP(3, [4], 2)
    opt = cr.optim.SGD(model.parameters(), lr=0.0)
    before = [p.data.copy() for p in model.parameters()]
    captured = {}

    def loss_fn(scores, y):
        return (scores * 0.0).sum()                                      # data gradient 0: only the penalty remains

    class Once:
        X = np.ones((2, 3), np.float32)
        y = np.zeros(2, np.int64)
        epoch = 0

        def __len__(self):
            return 1

        def __iter__(self):
            yield self.X, self.y

    orig_step = opt.step

    def step(closure=None):
        captured.update({n: p.grad.data.copy() for n, p in model.named_parameters()})
        return orig_step(closure)
    opt.step = step
    Trainer(model, opt, loss_fn=loss_fn, reg=0.25, epochs=1, progress="none").fit(Once())
    names = [n for n, _ in model.named_parameters()]
    for (name, value), w in zip(((n, captured[n]) for n in names), before):
        expected = 2 * 0.25 * w if w.ndim == 2 else np.zeros_like(w)
        np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-7)


class _OneBatch:
    """A loader of one fixed batch."""
    epoch = 0

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return 1

    def __iter__(self):
        yield self.X, self.y


def test_a_hook_on_a_weight_sees_the_l2_gradient():
    model = MLP(3, [4], 2)
    weight = model[0].weight
    w = weight.data.copy()
    seen = []
    weight.register_hook(lambda g: seen.append(g.data.copy()))

    def loss_fn(scores, y):
        return (scores * 0.0).sum()                                      # data gradient 0: only the penalty remains

    opt = cr.optim.SGD(model.parameters(), lr=0.0)
    Trainer(model, opt, loss_fn=loss_fn, reg=0.25, epochs=1, progress="none").fit(
        _OneBatch(np.ones((2, 3), np.float32), np.zeros(2, np.int64)))
    np.testing.assert_allclose(sum(seen), 2 * 0.25 * w, rtol=1e-6, atol=1e-7)


def test_evaluation_reports_the_loss_the_model_trains_with():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)).astype(np.float32), rng.integers(0, 3, 40)
    Xv, yv = rng.normal(size=(30, 3)).astype(np.float32), rng.integers(0, 3, 30)
    svm = cr.nn.functional.multi_margin_loss                             # the lecture's multiclass SVM loss
    model = MLP(3, [5], 3)
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    result = Trainer(model, opt, loss_fn=svm, epochs=1, progress="none", diagnostics=False).fit(
        _OneBatch(X, y), val=(Xv, yv), test=(Xv, yv))
    with cr.no_grad():
        expected = float(svm(model(cr.Tensor(Xv)), yv).data)
    assert result.history[0]["val_loss"] == pytest.approx(expected, rel=1e-6)
    assert result.final["test"]["loss"] == pytest.approx(expected, rel=1e-6)
    assert evaluate(model, Xv, yv, loss_fn=svm)["loss"] == pytest.approx(expected, rel=1e-6)


def test_a_callback_hears_each_epoch_and_the_end_and_the_strategy_takes_every_step():
    """The side jobs are callbacks and the steps go through the strategy: a user's own of each sees them all."""
    from chainrule.train import Callback, SingleProcess
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 3)).astype(np.float32), rng.integers(0, 2, 8)
    heard, steps = [], []

    class Listen(Callback):
        def on_epoch_end(self, trainer, record, loader):
            heard.append((record["epoch"], trainer.epoch, len(trainer.history)))

        def on_fit_end(self, trainer, final):
            heard.append(("end", final["epochs"]))

    class Counting(SingleProcess):
        def step(self, optimizer, loss, correct, count, stop):
            steps.append(count)
            return super().step(optimizer, loss, correct, count, stop)

    model = MLP(3, [4], 2)
    trainer = Trainer(model, cr.optim.SGD(model.parameters(), lr=0.1), epochs=3, progress="none",
                      strategy=Counting(), callbacks=[Listen()])
    loader = _OneBatch(X, y)
    loader.set_epoch = lambda epoch: None
    trainer.fit(loader)
    assert heard == [(1, 1, 1), (2, 2, 2), (3, 3, 3), ("end", 3)]
    assert steps == [8, 8, 8] and not trainer.distributed and trainer.writes


def test_evaluation_without_a_loss_reports_the_ops_cross_entropy_in_float64():
    from chainrule.train import predict_scores
    rng = np.random.default_rng(2)
    X, y = (rng.normal(size=(50, 3)) * 30).astype(np.float32), rng.integers(0, 4, 50)
    model = MLP(3, [5], 4)
    scores = predict_scores(model, X).astype(np.float64)
    assert evaluate(model, X, y)["loss"] == float(cr.nn.functional.cross_entropy(cr.tensor(scores), y).item())
    assert cr.viz.evaluate is cr.viz.build_expression                  # the other evaluate: an alias


def _weights(model):
    return [p.data.copy() for p in model.parameters()]


def test_stop_by_signal_then_resume_equals_uninterrupted(tmp_path):
    cfg = _small(checkpoint_every="3")
    ref = build_experiment(cfg, RunDir.create(tmp_path, "ref", cfg.to_dict()), "none")
    ref_result = ref.trainer.fit(ref.loader, ref.splits.val, ref.splits.test)
    assert not ref_result.interrupted

    run = RunDir.create(tmp_path, "stop", cfg.to_dict())
    exp = build_experiment(cfg, run, "none")
    calls = {"n": 0}
    base_loss = exp.trainer.loss_fn

    def loss_fn(scores, y):
        calls["n"] += 1
        if calls["n"] == 17:                                            # mid-epoch 2: like a Ctrl-C
            os.kill(os.getpid(), signal.SIGINT)
        return base_loss(scores, y)
    exp.trainer.loss_fn = loss_fn
    result = exp.trainer.fit(exp.loader, exp.splits.val, exp.splits.test)
    assert result.interrupted and result.final is None
    assert "Resume with: chainrule train --resume" in result.message
    assert not (run.path / "final.json").exists()

    again = build_experiment(cfg, RunDir.open(run.path), "none")      # a fresh process would do the same
    assert again.trainer.step_in_epoch == 0
    result = again.trainer.fit(again.loader, again.splits.val, again.splits.test, resume=True)
    assert again.trainer.global_step == ref.trainer.global_step
    for a, b in zip(_weights_from(run.checkpoint_path("last")), _weights_from(ref.run.checkpoint_path("last"))):
        assert a.tobytes() == b.tobytes()
    assert result.final["test"] == ref_result.final["test"]
    strip = lambda h: [{k: v for k, v in r.items() if k not in ("time_s", "samples_per_s", "elapsed_s")} for r in h]
    assert strip(run.read_metrics()) == strip(ref.run.read_metrics())


def _weights_from(path):
    from safetensors.numpy import load_file
    tensors = load_file(str(path))
    return [tensors[k] for k in sorted(tensors) if k.startswith("model.")]


def test_nan_loss_raises_with_epoch_and_step_and_keeps_last_good_checkpoint(tmp_path):
    cfg = _small()
    run = RunDir.create(tmp_path, "nan", cfg.to_dict())
    exp = build_experiment(cfg, run, "none")
    calls = {"n": 0}
    base = exp.trainer.loss_fn
    steps = len(exp.loader)

    def loss_fn(scores, y):
        calls["n"] += 1
        loss = base(scores, y)
        return loss * float("nan") if calls["n"] == steps + 1 else loss     # epoch 2, step 1
    exp.trainer.loss_fn = loss_fn
    with pytest.raises(TrainingDiverged, match=rf"became nan at epoch 2, step 1 \(global step {steps + 1}\).*"
                                               r"last good checkpoint is kept"):
        exp.trainer.fit(exp.loader, exp.splits.val)
    meta = cr.io.read_metadata(run.checkpoint_path("last"))["metadata"]
    assert (meta["epoch"], meta["global_step"]) == (1, steps)
    assert all(np.isfinite(w).all() for w in _weights_from(run.checkpoint_path("last")))
    assert len(run.read_metrics()) == 1


def test_anomaly_mode_names_epoch_and_step():
    cfg = _small(epochs="1", warmup="0", detect_anomaly="true")
    exp = build_experiment(cfg, None, "none")

    def loss_fn(scores, y):
        return cr.log(scores * 0.0 - 1.0).sum()                          # log of a negative number: NaN
    exp.trainer.loss_fn = loss_fn
    with pytest.raises(cr.AnomalyError, match="at epoch 1, step 1"):
        exp.trainer.fit(exp.loader)


def test_keeps_best_validation_weights_for_the_test():
    cfg = _small(epochs="6")
    exp = build_experiment(cfg, None, "none")
    result = exp.trainer.fit(exp.loader, exp.splits.val, exp.splits.test)
    accs = [h["val_acc"] for h in result.history]
    assert accs[result.best_epoch - 1] == max(accs)
    assert result.final["val"]["acc"] == pytest.approx(max(accs))


@pytest.mark.parametrize("schedule", ["none", "step", "exp", "cosine", "onecycle"])
@pytest.mark.parametrize("warmup", [0.0, 1.5])
def test_every_schedule_runs_all_steps(schedule, warmup):
    cfg = _small(schedule=schedule, warmup=str(warmup), epochs="5", step_size="2", gamma="0.5")
    model = MLP(2, [4], 3)
    opt = build_optimizer(cfg, model)
    sched = build_scheduler(cfg, opt, steps_per_epoch=8)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(5 * 8):
        opt.step()
        if sched is not None:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert all(math.isfinite(v) and v >= 0 for v in lrs)
    assert max(lrs) == pytest.approx(cfg.lr, rel=1e-6)
    if warmup and schedule != "onecycle":
        assert lrs[0] < 0.1 * cfg.lr and lrs[12] == pytest.approx(cfg.lr)      # 12 warmup steps, then the peak
    if schedule in ("cosine", "onecycle"):
        assert lrs[-1] < 0.01 * cfg.lr
    if schedule == "step" and not warmup:
        assert lrs[16] == pytest.approx(cfg.lr * 0.5) and lrs[15] == pytest.approx(cfg.lr)


def test_metrics_helpers():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    np.testing.assert_allclose(per_class_accuracy(cm), [0.5, 1.0, 2 / 3])
    model = MLP(2, [], 2)
    model[0].weight.data[:] = [[1, 0], [0, 1]]
    model[0].bias.data[:] = 0
    X = np.array([[2, 0], [0, 2], [0, 3], [1, 0]], np.float32)
    r = evaluate(model, X, np.array([0, 1, 0, 1]), details=True, batch_size=3)
    assert r["acc"] == 0.5 and r["confusion_matrix"] == [[1, 1], [1, 1]] and r["n"] == 4


def test_dead_relu_diagnostic():
    model = MLP(2, [10], 3)
    model[0].bias.data[:5] = -100.0                                       # five units can never fire
    model[0].bias.data[5:] = 100.0
    stats = hidden_unit_stats(model, np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32))
    assert stats["dead_units"] == 0.5 and stats["dead_per_layer"] == [0.5]
    tanh = MLP(2, [4], 3, activation="tanh")
    tanh[0].weight.data[:] = 100.0
    assert hidden_unit_stats(tanh, np.ones((5, 2), np.float32))["saturated"] == 1.0
    assert hidden_unit_stats(MLP(2, [], 3), np.ones((5, 2), np.float32)) == {}
