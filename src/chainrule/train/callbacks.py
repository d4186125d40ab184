"""What a `Trainer` does beside training, as callbacks: checkpoints, diagnostics, the run folder's files, the console.

The protocol: a callback is any object with some of these methods (`Callback` has them all, doing nothing);
the Trainer calls each callback's in the order of its list, the trainer first::

    on_fit_start(trainer, loader, resume)   before training; resume: continue from the run's checkpoint
    on_epoch_start(trainer, steps)          an epoch (or the rest of one) of ``steps`` steps begins
    on_step_end(trainer, loader, running)   after each optimizer step; running: epoch, epochs, step, steps,
                                            loss, acc, lr, samples_per_s of the epoch so far
    on_epoch_record(trainer, record, val)   add measurements to the epoch's record (before it is kept)
    on_epoch_end(trainer, record, loader)   the record is in trainer.history; trainer.epoch counts it
    on_train_end(trainer, loader)           training stopped: finished, or by a signal
    on_fit_end(trainer, final)              the best weights were evaluated (final: the table of splits)

A new side job (early stopping, a logger, pictures) is one more callback passed as ``Trainer(callbacks=[...])``;
the loop itself does not change. The Trainer adds the standard ones from its arguments: `Checkpointing` and
`RunFolder` for a ``run``, `Diagnostics` (``diagnostics=True``), `ConsoleProgress`.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..errors import CheckpointError
from ..tensor import Tensor
from .diagnostics import hidden_unit_stats, parameter_summaries
from .progress import format_table

PROGRESS_SECONDS = 1.0      # progress.json (the current epoch's step, for chainrule view) at most this often
PROGRESS_KEYS = ("epoch", "epochs", "step", "steps", "loss", "acc", "lr")


class Callback:
    """The base of a callback: every hook of the protocol (see the module docstring), each doing nothing."""

    def on_fit_start(self, trainer, loader, resume: bool) -> None:
        pass

    def on_epoch_start(self, trainer, steps: int) -> None:
        pass

    def on_step_end(self, trainer, loader, running: dict) -> None:
        pass

    def on_epoch_record(self, trainer, record: dict, val) -> None:
        pass

    def on_epoch_end(self, trainer, record: dict, loader) -> None:
        pass

    def on_train_end(self, trainer, loader) -> None:
        pass

    def on_fit_end(self, trainer, final: dict) -> None:
        pass


class Diagnostics(Callback):
    """Dead and saturated hidden units on the validation set, and per-tensor quantiles of weights and gradients,
    in every epoch's record (`chainrule.train.diagnostics`; shown by ``chainrule view``)."""

    def on_epoch_record(self, trainer, record, val):
        if val is not None:
            record.update({k: v for k, v in hidden_unit_stats(trainer.model, val[0]).items()
                           if not isinstance(v, list)})
        record.update(parameter_summaries(trainer.model))


class RunFolder(Callback):
    """The run folder's files: ``metrics.jsonl``/``.csv`` (one record per epoch), ``progress.json`` (the current
    step, at most every `PROGRESS_SECONDS`) and ``final.json``."""

    def __init__(self, run):
        self.run = run
        self._written_at = 0.0

    def on_fit_start(self, trainer, loader, resume):
        if resume:
            self.run.metrics.rewrite(trainer.history)

    def on_epoch_start(self, trainer, steps):
        self._written_at = time.perf_counter()

    def on_step_end(self, trainer, loader, running):
        now = time.perf_counter()
        if now - self._written_at >= PROGRESS_SECONDS:
            self.run.write_progress({k: running[k] for k in PROGRESS_KEYS})
            self._written_at = time.perf_counter()

    def on_epoch_end(self, trainer, record, loader):
        self.run.metrics.append(record, trainer.history)

    def on_fit_end(self, trainer, final):
        self.run.write_final(final)


class Checkpointing(Callback):
    """The ``last`` checkpoint (everything needed to resume exactly) after every epoch, every ``every`` steps
    (0: per epoch only) and when training stops; ``best`` (weights and metadata) when validation improves.
    ``extra``: a dict stored in every checkpoint. With ``resume``, `on_fit_start` restores ``last``."""

    def __init__(self, run, every: int = 0, extra: dict | None = None):
        self.run = run
        self.every = int(every or 0)
        self.extra = dict(extra or {})

    def save(self, trainer, loader, kind: str = "last") -> None:
        """Write the ``last`` or the ``best`` checkpoint (data parallel: rank 0 alone writes)."""
        if not trainer.writes:
            return
        from ..io import save_checkpoint
        extra = dict(self.extra)
        meta = {"epoch": trainer.epoch, "step_in_epoch": trainer.step_in_epoch, "global_step": trainer.global_step,
                "best_val_acc": None if trainer.best_val_acc == -math.inf else trainer.best_val_acc,
                "best_epoch": trainer.best_epoch}
        if kind == "last":
            extra["trainer"] = trainer.state_dict()
            extra["loader"] = loader.state_dict() if loader is not None else None
            save_checkpoint(self.run.checkpoint_path("last"), trainer.model, trainer.optimizer, trainer.scheduler,
                            extra=extra, metadata=meta)
        else:
            meta["epoch"] = trainer.best_epoch
            save_checkpoint(self.run.checkpoint_path(kind), trainer.model, extra=extra, metadata=meta)

    def on_fit_start(self, trainer, loader, resume):
        if resume:
            self._resume(trainer, loader)

    def on_step_end(self, trainer, loader, running):
        if self.every and trainer.global_step % self.every == 0 and trainer.step_in_epoch < running["steps"]:
            if not trainer._params_finite():
                trainer._diverged("non-finite", "weights")
            self.save(trainer, loader, "last")

    def on_epoch_end(self, trainer, record, loader):
        if trainer.best_epoch == trainer.epoch:            # validation improved in this epoch
            self.save(trainer, loader, "best")
        self.save(trainer, loader, "last")

    def on_train_end(self, trainer, loader):
        self.save(trainer, loader, "last")

    def _resume(self, trainer, loader) -> None:
        from ..io import load, load_checkpoint
        path = self.run.checkpoint_path("last")
        if not path.is_file():
            raise CheckpointError(f"{self.run.path} has no checkpoint to resume from yet (no {path.name}); "
                                  f"start the run again without --resume.")
        got = load_checkpoint(path, trainer.model, trainer.optimizer, trainer.scheduler)
        extra = got["extra"]
        if "trainer" not in extra:
            raise CheckpointError(f"{path} is not a training checkpoint of chainrule train (no trainer state).")
        try:
            trainer.load_state_dict(extra["trainer"])
            if loader is not None and trainer.step_in_epoch > len(loader):
                raise CheckpointError(f"the trainer state's step_in_epoch {trainer.step_in_epoch} is past the "
                                      f"{len(loader)} steps of an epoch.")
        except CheckpointError as e:
            raise CheckpointError(f"{path}: {e}") from None
        if extra["trainer"].get("epochs", trainer.epochs) < trainer.epochs:
            trainer._extend_schedule()
        if loader is not None and extra.get("loader") is not None:
            loader.load_state_dict(extra["loader"])
        best = self.run.checkpoint_path("best")
        if best.is_file():
            state = load(best)
            saved = state.state_dict() if hasattr(state, "state_dict") else state
            try:
                trainer._best_state = [np.array(saved[k].data if isinstance(saved[k], Tensor) else saved[k])
                                       for k in trainer.model.state_dict()]
            except KeyError as e:
                raise CheckpointError(f"{best} does not hold the weights of this model (no {e}).") from None


class ConsoleProgress(Callback):
    """What the trainer's `Progress` shows: the live bar, one line per epoch (every ``log_every`` epochs, the
    first and the last), the final table under ``title``."""

    def __init__(self, log_every: int, title: str = ""):
        self.log_every = int(log_every)
        self.title = title

    def on_epoch_start(self, trainer, steps):
        trainer.progress.start_epoch(trainer.epoch + 1, trainer.epochs, steps, trainer.step_in_epoch)

    def on_step_end(self, trainer, loader, running):
        trainer.progress.update(running["step"], running["loss"], running["acc"], running["lr"],
                                running["samples_per_s"])

    def on_epoch_end(self, trainer, record, loader):
        trainer.progress.end_epoch()
        epoch = trainer.epoch
        if epoch % self.log_every == 0 or epoch == trainer.epochs or epoch == 1:
            trainer.progress.line(epoch_line(record, trainer.epochs))

    def on_fit_end(self, trainer, final):
        trainer.progress.result(final_table(final, self.title))


def epoch_line(record: dict, epochs: int) -> str:
    """``epoch  3/40  loss 1.2345  train 45.60%  val 44.10%  lr 0.01  3,120 samples/s  14.2 s``."""
    width = len(str(epochs))
    parts = [f"epoch {record['epoch']:>{width}}/{epochs}", f"loss {record['train_loss']:.4f}",
             f"train {record['train_acc']:7.2%}"]
    if "val_acc" in record:
        parts.append(f"val {record['val_acc']:7.2%}")
    parts.append(f"lr {record['lr']:.3g}")
    if "dead_units" in record:
        parts.append(f"dead {record['dead_units']:.0%}")
    parts.append(f"{record['samples_per_s']:>9,.0f} samples/s")
    parts.append(f"{record['time_s']:.1f} s")
    return "  ".join(parts)


def final_table(final: dict, title: str = "") -> str:
    rows = []
    for split in ("train", "val", "test"):
        if split in final:
            r = final[split]
            rows.append([split, f"{r['n']:,}", f"{r['loss']:.4f}", f"{r['acc']:.2%}"])
    head = (title + "\n" if title else "") + \
        f"best epoch {final['best_epoch']}/{final['epochs']}, {final['train_time_s']:.1f} s of training"
    return head + "\n" + format_table(rows, ["split", "examples", "loss", "accuracy"])
