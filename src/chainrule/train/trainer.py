"""`Trainer`: the training loop, with evaluation, checkpoints, exact resumption and clean stops.

::

    trainer = Trainer(model, optimizer, scheduler=scheduler, reg=1e-3, epochs=20, run=RunDir("runs/x"))
    result = trainer.fit(train_loader, val=splits.val, test=splits.test)

Each step runs the model in train mode on a batch (a NumPy array wrapped in a Tensor without copying),
adds the lecture's L2 penalty ``reg * sum(W**2)`` over the weight matrices, backpropagates and steps the
optimizer and the schedule (the schedule is stepped once per batch). After each epoch the model is
evaluated on ``val`` in eval mode under ``no_grad``; the weights with the best validation accuracy are kept
and are the ones evaluated on ``test`` at the end (as CS231n's Solver does).

Exactness: a checkpoint holds the weights, the optimizer and schedule state, chainrule's random generator
(dropout masks), the loader's position (its batches and augmentation depend only on seed, epoch and batch
index) and the running sums of the current epoch, so ``fit(..., resume=True)`` after a crash continues
with the same batches and random numbers and ends with the same weights, bit for bit, as a run that was
never stopped.

Stops: Ctrl-C (SIGINT) or SIGTERM finishes the current step, writes a checkpoint and returns with
``result.interrupted`` (a second Ctrl-C stops at once). A NaN or infinite loss raises `TrainingDiverged`
naming the epoch and step, without writing a checkpoint, so the last good one is kept.

The Trainer owns the loop and its state only. How a step is combined across processes is its ``strategy``
(`chainrule.train.strategy`: one process, or MPI data parallel); everything else it does (checkpoints,
diagnostics, the run folder's files, the console) is done by callbacks (`chainrule.train.callbacks`).
"""
from __future__ import annotations

import contextlib
import copy
import errno
import json
import math
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .. import autograd
from .._bounded import json_loads
from ..errors import ChainruleError, CheckpointError
from ..nn import regularized_parameters
from .callbacks import Checkpointing, ConsoleProgress, Diagnostics, RunFolder
from .loop import step_loss
from .metrics import evaluate
from .progress import Progress
from .strategy import default_strategy


class TrainingDiverged(ChainruleError, FloatingPointError):
    """The loss became NaN or infinite (the learning rate is usually too high)."""


@dataclass
class FitResult:
    """What `Trainer.fit` returns: per-epoch ``history``, the ``final`` evaluation (None when interrupted),
    ``interrupted`` (stopped by a signal, checkpoint written), and where the best weights came from."""

    history: list = field(default_factory=list)
    final: dict | None = None
    interrupted: bool = False
    best_epoch: int = 0
    best_val_acc: float = float("nan")
    run: object = None
    message: str = ""


def _default_loss(scores, target):
    from ..nn import functional as F
    return F.cross_entropy(scores, target)


class Trainer:
    """Train ``model`` with ``optimizer`` for ``epochs`` epochs (see the module docstring).

    ``loss_fn(scores, y)`` defaults to softmax cross-entropy; evaluation reports the same loss. ``reg`` is
    the L2 strength lambda: each step's loss is ``loss_fn(scores, y) + l2_penalty(weights, reg)``, one graph,
    so the penalty's gradient ``2 lambda W`` reaches hooks and ``detect_anomaly`` like any other; the
    reported training loss includes ``lambda sum(W**2)``, evaluation losses do not. ``scheduler`` is stepped
    after every optimizer step. ``run`` is a `RunDir` (or None: nothing is written). ``checkpoint_every``:
    also checkpoint every that many steps.
    ``checkpoint_extra``: a dict stored in every checkpoint (e.g. the configuration and preprocessing, so
    a checkpoint is enough to rebuild and use the model). ``progress``: a `Progress` or its mode.
    ``log_every``: print the epoch line every that many epochs (default: every epoch up to 50 epochs,
    else about 25 lines in all). ``strategy``: how steps combine across processes (default: `DataParallel`
    for a `DistributedOptimizer`, else `SingleProcess`). ``callbacks``: more callbacks (`Callback`), called
    after the standard ones these arguments make (checkpoints, run folder, diagnostics, console).
    """

    def __init__(self, model, optimizer, *, loss_fn=None, scheduler=None, reg: float = 0.0, epochs: int = 10,
                 run=None, checkpoint_every: int = 0, detect_anomaly: bool = False, progress="auto",
                 eval_batch_size: int = 1000, checkpoint_extra: dict | None = None, diagnostics: bool = True,
                 log_every: int | None = None, title: str = "", strategy=None, callbacks=()):
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn or _default_loss
        self._eval_loss = loss_fn          # None: evaluation's own float64 cross-entropy, the same loss
        self.scheduler = scheduler
        self.reg = float(reg)
        self.epochs = int(epochs)
        self.run = run
        self.detect_anomaly = bool(detect_anomaly)
        self.strategy = strategy if strategy is not None else default_strategy(optimizer)
        # data parallel: rank 0 alone prints and writes the run folder
        self.progress = progress if isinstance(progress, Progress) else Progress(progress)
        if not self.writes:
            self.progress = Progress("none", results=False)
        self.eval_batch_size = int(eval_batch_size)
        self.title = title
        log_every = log_every or (1 if self.epochs <= 50 else math.ceil(self.epochs / 25))
        standard = [Checkpointing(run, checkpoint_every, checkpoint_extra)] if run is not None else []
        standard += [RunFolder(run)] if run is not None and self.writes else []
        standard += [Diagnostics()] if diagnostics else []
        self.callbacks = standard + [ConsoleProgress(log_every, title), *callbacks]
        # the schedule as planned for this run's length: what an extended run (more epochs) continues on
        self._planned_schedule = copy.deepcopy(scheduler.state_dict()) if scheduler is not None else None
        self._reg_params = [p for _, p in regularized_parameters(model)] if self.reg else []
        # where training stands (all of it goes into the checkpoint)
        self.epoch = 0                  # epochs completed
        self.step_in_epoch = 0          # steps done in the current epoch
        self.global_step = 0
        self.history: list = []
        self._history_memo = None         # (the history list, its records' JSON): see _history_json
        self.best_val_acc = -math.inf     # best = highest val accuracy, ties to the lower val loss
        self.best_val_loss = math.inf
        self.best_epoch = 0
        self.train_time = 0.0           # seconds spent in training steps, over all sessions
        self._sums = self._zero_sums()
        self._best_state = None
        self._stop = None
        self.finished = False

    @property
    def distributed(self) -> bool:
        """Do the steps combine over several processes (the strategy's answer)?"""
        return self.strategy.distributed

    @property
    def writes(self) -> bool:
        """Does this process print and write the run folder (data parallel: rank 0 alone)?"""
        return self.strategy.writes

    def _callback(self, hook: str, *args) -> None:
        for cb in self.callbacks:
            fn = getattr(cb, hook, None)
            if fn is not None:
                fn(self, *args)

    # ------------------------------------------------------------------------------------------- state
    @staticmethod
    def _zero_sums():
        return {"loss": 0.0, "correct": 0, "count": 0, "time": 0.0}

    def _history_json(self) -> str:
        """``json.dumps(self.history)``, encoding each epoch's record once: a run checkpoints its history every
        epoch, and encoding all of it each time made long runs quadratic (records are not changed once
        appended)."""
        memo = self._history_memo
        if memo is None or memo[0] is not self.history or len(memo[1]) > len(self.history):
            memo = self._history_memo = (self.history, [])
        parts = memo[1]
        parts.extend(json.dumps(record) for record in self.history[len(parts):])
        return "[" + ", ".join(parts) + "]"

    def state_dict(self) -> dict:
        """The loop's position and bookkeeping (JSON values)."""
        return {"epoch": self.epoch, "step_in_epoch": self.step_in_epoch, "global_step": self.global_step,
                "epochs": self.epochs, "history_json": self._history_json(), "best_val_acc": self.best_val_acc,
                "best_val_loss": self.best_val_loss, "best_epoch": self.best_epoch, "train_time": self.train_time, "sums": dict(self._sums),
                "finished": self.finished}

    def load_state_dict(self, state: dict) -> None:
        """Restore `state_dict`; every value is checked first (a `CheckpointError` saying which is wrong), so
        a malformed state changes nothing."""
        if not isinstance(state, dict):
            raise CheckpointError(f"the trainer state is a {type(state).__name__}, not a dict.")
        planned = _state_int(state, "epochs", 1, default=self.epochs)
        epoch = _state_int(state, "epoch", 0, planned)
        try:
            history = json_loads(state.get("history_json"))
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"the trainer state's history_json is not a JSON list ({e}).") from None
        if not isinstance(history, list) or len(history) != epoch or not all(isinstance(h, dict) for h in history):
            raise CheckpointError(f"the trainer state's history should list {epoch} epochs as dicts.")
        sums = state.get("sums")
        if not isinstance(sums, dict) or set(sums) != set(self._zero_sums()) or not all(
                _is_number(v) and v >= 0 for v in sums.values()):
            raise CheckpointError("the trainer state's sums should be a dict of the numbers loss, correct, count, "
                                  "time (each >= 0).")
        values = {"step_in_epoch": _state_int(state, "step_in_epoch", 0),
                  "global_step": _state_int(state, "global_step", 0),
                  "best_epoch": _state_int(state, "best_epoch", 0, planned)}
        for key in ("best_val_acc", "best_val_loss", "train_time"):
            if not _is_number(state.get(key)):
                raise CheckpointError(f"the trainer state's {key} is {str(state.get(key))[:80]!r}, not a number.")
            values[key] = float(state[key])
        self.epoch, self.history, self._sums = epoch, history, dict(sums)
        for key, value in values.items():
            setattr(self, key, value)
        if planned > self.epochs:
            raise CheckpointError(f"the checkpoint was written for a run of {planned} epochs, this one has "
                                  f"{self.epochs}; resume with --epochs {planned} or more.")
        self.finished = bool(state.get("finished", False)) and planned == self.epochs   # more epochs: go on

    # ------------------------------------------------------------------------------------------- helpers
    def _lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _params_finite(self) -> bool:
        return all(np.isfinite(p.data).all() for p in self.model.parameters())

    def _extend_schedule(self) -> None:
        """The run was planned for fewer epochs: continue on the schedule planned for ``self.epochs``, at the
        current step: the planned schedule and its starting learning rates (most schedules scale the current
        rate, as PyTorch's do) replayed for the steps taken, which is where a run planned this long from the
        start would be."""
        if self.scheduler is None:
            return
        self.scheduler.load_state_dict(copy.deepcopy(self._planned_schedule))
        for group, lr in zip(self.optimizer.param_groups, self._planned_schedule["_last_lr"]):
            group["lr"] = lr
        for _ in range(self.global_step):
            self.scheduler.step()

    def _snapshot_best(self):
        self._best_state = [p.data.copy() for p in self.model.state_dict().values()]

    def restore_best(self) -> bool:
        """Put the best-validation weights back into the model (True if there were any)."""
        if self._best_state is None:
            return False
        for target, value in zip(self.model.state_dict(keep_vars=True).values(), self._best_state):
            np.copyto(target.data, value)
        return True

    # ------------------------------------------------------------------------------------------- signals
    @contextlib.contextmanager
    def _catch_stop_signals(self):
        """First SIGINT/SIGTERM: finish the step, checkpoint, stop. Second: KeyboardInterrupt at once."""
        self._stop = None
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame):
            if self._stop is not None:
                raise KeyboardInterrupt
            self._stop = signal.Signals(signum).name

        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                previous[sig] = signal.signal(sig, handler)
            except (ValueError, OSError):  # pragma: no cover - not allowed here
                pass
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    # ------------------------------------------------------------------------------------------- the loop
    def fit(self, train_loader, val=None, test=None, resume: bool = False) -> FitResult:
        """Train (or continue, with ``resume``) and evaluate. ``val``/``test``: Datasets or ``(X, y)`` pairs."""
        val, test = _pair(val), _pair(test)
        with self.run.lock() if self.run is not None and self.writes else contextlib.nullcontext():
            try:
                return self._fit(train_loader, val, test, resume)
            except OSError as e:
                if self.run is None or e.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                where = e.filename or self.run.path
                raise type(e)(e.errno, f"{e.strerror}; the last checkpoint is kept: free some space, then resume "
                                       f"with: {self.run.resume_hint()}", str(where)) from None

    def _fit(self, train_loader, val, test, resume) -> FitResult:
        if resume and self.run is None:
            raise CheckpointError("resume=True needs the run folder to resume from: pass run=RunDir(...).")
        self._callback("on_fit_start", train_loader, resume)
        if resume:
            if self.epoch >= self.epochs:
                _notice(f"resumed {self.run.path}: its {self.epochs} epochs had finished; evaluating its best weights "
                        f"(pass --epochs N to train it longer)")
            else:
                _notice(f"resumed {self.run.path} at epoch {self.epoch + 1}, step {self.step_in_epoch} "
                        f"(global step {self.global_step})")
        if self.finished or self.epoch >= self.epochs:
            return self._finish(train_loader, val, test)
        anomaly = autograd.detect_anomaly() if self.detect_anomaly else contextlib.nullcontext()
        try:
            # overflow is reported by the finiteness checks (one clear message), not by NumPy warnings
            with self._catch_stop_signals(), anomaly, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                while self.epoch < self.epochs:
                    self._train_epoch(train_loader, val)
                    if self._stopping():
                        return self._stopped(train_loader)
        except KeyboardInterrupt:
            self.progress.close()
            msg = "Stopped at once; the last checkpoint is kept."
            if self.run is not None and self.run.has_checkpoint("last"):
                msg += f" Resume with: {self.run.resume_hint()}"
            _notice(msg)
            return FitResult(self.history, None, True, self.best_epoch, self.best_val_acc, self.run, msg)
        finally:
            self.progress.close()
        return self._finish(train_loader, val, test)

    def _stopped(self, loader) -> FitResult:
        self.progress.close()
        self._callback("on_train_end", loader)
        where = f"epoch {self.epoch + 1}/{self.epochs}, step {self.step_in_epoch}" if self.epoch < self.epochs \
            else f"the end of epoch {self.epoch}"
        msg = f"Stopped by {self._stop} at {where}"
        if self.run is not None:
            msg += f"; checkpoint saved in {self.run.checkpoint_path('last')}. Resume with: {self.run.resume_hint()}"
        else:
            msg += "."
        _notice(msg)
        return FitResult(self.history, None, True, self.best_epoch, self.best_val_acc, self.run, msg)

    def _stopping(self) -> bool:
        """Stop now? (Data parallel: all ranks decide alike, on the stop flags summed in the last step.)"""
        return self.strategy.stopping(self._stop is not None)

    def _diverged(self, value, what="loss"):
        where = f"epoch {self.epoch + 1}, step {self.step_in_epoch + 1} (global step {self.global_step + 1})"
        kept = ""
        if self.run is not None:
            kept = (f"; the last good checkpoint is kept in {self.run.checkpoint_path('last')}"
                    if self.run.has_checkpoint("last") else "; no checkpoint had been written yet")
        raise TrainingDiverged(f"training diverged: the {what} became {value} at {where} with learning rate "
                               f"{self._lr():.3g}{kept}; lower --lr (or add --detect-anomaly to find the op).")

    def _train_epoch(self, loader, val) -> None:
        model, opt, sched, strategy = self.model, self.optimizer, self.scheduler, self.strategy
        steps = len(loader)
        if getattr(loader, "epoch", self.epoch) != self.epoch:
            loader.set_epoch(self.epoch)
        model.train()
        self._callback("on_epoch_start", steps)
        sums = self._sums
        tick = time.perf_counter()
        for Xb, yb in loader:
            try:
                # data parallel: a rank's slice of a short last batch may be empty (no loss, no gradient)
                scores, _, loss = step_loss(model, Xb, yb, self.loss_fn, self._reg_params, self.reg)
                value = float(loss.data) if loss is not None else 0.0
                if strategy.diverged_here(value):
                    self._diverged(value)
                opt.zero_grad()
                if loss is not None:
                    loss.backward()
            except autograd.AnomalyError as e:
                raise autograd.AnomalyError(f"at epoch {self.epoch + 1}, step {self.step_in_epoch + 1}: {e}") from None
            correct = int((scores.data.argmax(axis=1) == yb).sum())
            value, correct, n, stop = strategy.step(opt, value, correct, len(yb), self._stop is not None)
            if not math.isfinite(value):
                self._diverged(value)
            if stop and self._stop is None:
                self._stop = "a signal to another rank"
            if sched is not None:
                sched.step()
            sums["loss"] += value * n
            sums["correct"] += correct
            sums["count"] += n
            self.step_in_epoch += 1
            self.global_step += 1
            sums["time"] += time.perf_counter() - tick
            count = max(sums["count"], 1)
            self._callback("on_step_end", loader, {
                "epoch": self.epoch + 1, "epochs": self.epochs, "step": self.step_in_epoch, "steps": steps,
                "loss": sums["loss"] / count, "acc": sums["correct"] / count, "lr": self._lr(),
                "samples_per_s": count / max(sums["time"], 1e-9)})
            if self._stopping():
                break
            tick = time.perf_counter()          # the callbacks' time is not training time
        if self.step_in_epoch >= steps:         # else stopped mid-epoch by a signal
            self._end_epoch(loader, val)

    def _end_epoch(self, loader, val) -> None:
        sums = self._sums
        count = max(sums["count"], 1)
        self.train_time += sums["time"]
        record = {"epoch": self.epoch + 1, "step": self.global_step, "lr": self._lr(),
                  "train_loss": sums["loss"] / count, "train_acc": sums["correct"] / count}
        if val is not None:
            ev = evaluate(self.model, val[0], val[1], batch_size=self.eval_batch_size, loss_fn=self._eval_loss)
            record["val_loss"], record["val_acc"] = ev["loss"], ev["acc"]
        self._callback("on_epoch_record", record, val)
        record["time_s"] = round(sums["time"], 3)
        record["samples_per_s"] = round(sums["count"] / max(sums["time"], 1e-9), 1)
        record["elapsed_s"] = round(self.train_time, 3)
        if not self._params_finite():
            self._diverged("non-finite", "weights")
        self.history.append(record)
        score = record.get("val_acc", record["train_acc"])
        loss = record.get("val_loss", record["train_loss"])
        self.epoch += 1
        self.step_in_epoch = 0
        self._sums = self._zero_sums()
        if score > self.best_val_acc or (score == self.best_val_acc and loss < self.best_val_loss):
            self.best_val_acc, self.best_val_loss, self.best_epoch = score, loss, self.epoch
            self._snapshot_best()
        self._callback("on_epoch_end", record, loader)

    # ------------------------------------------------------------------------------------------- the end
    def _finish(self, loader, val, test) -> FitResult:
        """Evaluate the best weights on train, val and test; write final.json; print the table."""
        if not self.finished:
            self.finished = True
            self._callback("on_train_end", loader)
        self.restore_best()
        final = {"epochs": self.epochs, "best_epoch": self.best_epoch, "global_step": self.global_step,
                 "train_time_s": round(self.train_time, 2),
                 "samples_per_s": _mean_rate(self.history)}
        train = (loader.X, loader.y) if hasattr(loader, "X") else None
        for name, data in (("train", train), ("val", val), ("test", test)):
            if data is not None and len(data[1]):
                final[name] = evaluate(self.model, data[0], data[1], batch_size=self.eval_batch_size,
                                       details=name != "train", loss_fn=self._eval_loss)
        self._callback("on_fit_end", final)
        return FitResult(self.history, final, False, self.best_epoch, self.best_val_acc, self.run)


def _notice(msg: str) -> None:
    """A message the user must see whatever the progress mode (how to resume a stopped run)."""
    print(msg, file=sys.stderr, flush=True)


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _state_int(state, key, low, high=None, default=None):
    """``state[key]`` if it is an int in ``[low, high]`` (``default`` when absent), else CheckpointError."""
    value = state.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f">= {low}"
        raise CheckpointError(f"the trainer state's {key} is {str(value)[:80]!r}, not an integer {bound}.")
    return value


def _pair(data):
    """``(X, y)`` of a split, or None for no split or an empty one (``--val-size 0``: no validation)."""
    if data is None:
        return None
    pair = data if isinstance(data, tuple) else (data.X, data.y)
    return pair if len(pair[1]) else None


def _mean_rate(history):
    rates = [h.get("samples_per_s") for h in history if h.get("samples_per_s")]
    return round(float(np.mean(rates)), 1) if rates else None
