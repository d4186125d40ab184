"""What every lecture experiment shares: the `Result` it returns, seeding, small training loops, tables,
figures and the HTML report.

An experiment is a function ``run(out_dir, fast=True, seed=0) -> Result``. It measures one claim of the
lecture, prints nothing (the CLI prints ``result.table``), writes its pictures as PNG files into
``out_dir`` and one self-contained ``report.html`` beside them, and puts every number it measured into
``result.numbers`` and every yes/no verdict on the claim into ``result.checks``, so tests can check it.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autograd import no_grad
from ..random import manual_seed
from ..tensor import Tensor
from ..train.progress import fmt
from ..train.progress import format_table as _format_table
from ..viz.plots import figure  # noqa: F401  (re-exported for the experiments)
from ..viz.plots import save_figure  # noqa: F401  (re-exported for the experiments)

__all__ = ["Result", "seed_everything", "format_table", "train_full_batch", "accuracy", "figure", "save_figure",
           "write_lecture_report", "Timer", "fmt", "blas_threads"]


@dataclass
class Result:
    """What one lecture experiment measured.

    ``numbers``: every measured figure by name (floats, ints, lists); ``checks``: the claim's verdicts,
    ``{"sentence saying what is checked": True/False}``; ``table``: the text table the CLI prints;
    ``pictures``: the PNG (or SVG) files written, all inlined in ``report``; ``config``: the settings used.
    """

    topic: str
    title: str
    section: str
    claim: str
    numbers: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)
    table: str = ""
    pictures: list = field(default_factory=list)
    report: Path | None = None
    config: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def holds(self) -> bool:
        """True when every check of the claim passed."""
        return all(self.checks.values())

    def summary(self) -> str:
        """The table, the checks and the files, as the CLI prints them."""
        lines = [f"{self.title} (lecture section {self.section})", "", self.table.rstrip(), ""]
        for what, ok in self.checks.items():
            lines.append(f"  [{'ok' if ok else 'NOT MET'}] {what}")
        lines.append("")
        if self.pictures:
            lines.append("pictures: " + ", ".join(Path(p).name for p in self.pictures))
        if self.report is not None:
            lines.append(f"report:   {self.report}")
        lines.append(f"({self.seconds:.1f} s)")
        return "\n".join(lines)


def seed_everything(seed: int) -> np.random.Generator:
    """Reseed chainrule's generator (weights, dropout) and return a NumPy generator for the experiment's own draws."""
    manual_seed(int(seed))
    return np.random.default_rng(int(seed))


@contextlib.contextmanager
def blas_threads(n: int):
    """Use at most ``n`` BLAS threads inside the block (through threadpoolctl; without it, does nothing).

    The lecture's matrices are small; on a busy machine, BLAS threads that wait for a free core make them
    several times slower, and one thread is as fast. Never raises the thread count.
    """
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        yield
        return
    current = min((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=n)
    with threadpool_limits(limits=max(1, min(int(n), current)), user_api="blas"):
        yield


class Timer:
    """``with Timer() as t: ...``; then ``t.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False


def format_table(header, rows, digits: int = 4) -> str:
    """`chainrule.train.progress.format_table` with the header first: numbers written by `fmt`, a column of
    numbers right-aligned, text left-aligned."""
    return _format_table(rows, header, digits, numeric_text=False)


def table_rows(header, rows) -> dict:
    """The same table for the HTML report: ``{"columns": header, "rows": rows}`` with NumPy scalars made plain."""
    def plain(v):
        return v.item() if isinstance(v, np.generic) else v
    return {"columns": list(header), "rows": [[plain(v) for v in r] for r in rows]}


# --- training --------------------------------------------------------------------------------------------

def train_full_batch(model, X, y, *, steps: int, lr: float, optimizer: str = "adam", l2: float = 0.0,
                     momentum: float = 0.0, every: int = 0, on_record=None) -> list:
    """Train ``model`` on all of ``(X, y)`` at every step with softmax cross-entropy (+ ``l2_penalty(model, l2)``).

    Returns the data loss at every step. ``on_record(step, model)`` is called before step 0 and then after
    every ``every`` steps (and after the last one) when ``every > 0``. Deterministic given chainrule's seed.
    """
    from ..nn import functional as F
    from ..nn.regularization import l2_penalty
    from ..optim import SGD, Adam
    X = X if isinstance(X, Tensor) else Tensor(np.asarray(X))
    y = np.asarray(y)
    params = list(model.parameters())
    opt = Adam(params, lr=lr) if optimizer == "adam" else SGD(params, lr=lr, momentum=momentum)
    losses = []
    model.train()
    if every and on_record is not None:
        on_record(0, model)
    for step in range(1, steps + 1):
        data_loss = F.cross_entropy(model(X), y)
        loss = data_loss + l2_penalty(model, l2) if l2 else data_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(data_loss.item()))
        if every and on_record is not None and (step % every == 0 or step == steps):
            on_record(step, model)
    model.eval()
    return losses


def train_minibatch(model, X, y, *, epochs: int, batch_size: int, lr: float, l2: float = 0.0,
                    rng: np.random.Generator, optimizer: str = "adam", momentum: float = 0.9) -> list:
    """Minibatch Adam (or SGD with ``momentum``) on softmax cross-entropy (+ L2), samples shuffled by ``rng``.

    Returns the mean data loss of every epoch.
    """
    from ..nn import functional as F
    from ..nn.regularization import l2_penalty
    from ..optim import SGD, Adam
    params = list(model.parameters())
    opt = Adam(params, lr=lr) if optimizer == "adam" else SGD(params, lr=lr, momentum=momentum)
    n = len(y)
    history = []
    model.train()
    for _ in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            data_loss = F.cross_entropy(model(Tensor(X[idx])), y[idx])
            loss = data_loss + l2_penalty(model, l2) if l2 else data_loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(data_loss.item()) * len(idx)
        history.append(total / n)
    model.eval()
    return history


def predict(model, X) -> np.ndarray:
    """Class scores of ``model`` on ``X`` (evaluation mode, no graph), as a NumPy array."""
    was_training = model.training
    model.eval()
    with no_grad():
        out = model(X if isinstance(X, Tensor) else Tensor(np.asarray(X))).data
    model.train(was_training)
    return out


def accuracy(model, X, y) -> float:
    """Fraction of ``X`` that ``model`` classifies as ``y``."""
    return float(np.mean(predict(model, X).argmax(axis=1) == np.asarray(y)))


def predictor(model, dtype=np.float32):
    """A function ``(N, 2) array -> scores`` for the decision-boundary plots."""
    return lambda pts: predict(model, np.asarray(pts, dtype=dtype))


# --- the report ------------------------------------------------------------------------------------------

def write_lecture_report(result: Result, out_dir, *, explanation, quote: str | None = None, tables=(),
                         images=(), extra=(), code: str | None = None) -> Path:
    """``out_dir/report.html``: the claim in the lecture's words, configuration, tables, checks and pictures.

    ``tables``: ``(heading, header, rows)`` triples; ``images``: ``(path, caption)`` pairs; ``extra``: more
    report sections (dicts, as :func:`chainrule.viz.write_report` takes them).
    """
    from ..viz.report import write_report
    sections = [{"heading": f"The claim (lecture section {result.section})", "text": explanation}]
    if quote:
        sections[0]["text"] = [*([explanation] if isinstance(explanation, str) else explanation),
                               f"Lecture notes (Vietnamese): \u201c{quote}\u201d"]
    sections.append({"heading": "Configuration", "config": result.config})
    for heading, header, rows in tables:
        sections.append({"heading": heading, "table": table_rows(header, rows)})
    if result.checks:
        sections.append({"heading": "Does the measurement support the claim?",
                         "table": {"columns": ["check", "holds"],
                                   "rows": [[what, "yes" if ok else "NO"] for what, ok in result.checks.items()]}})
    sections.extend(extra)
    if images:
        sections.append({"heading": "Pictures", "images": [{"path": str(p), "caption": c} for p, c in images]})
    sections.append({"heading": "Reproduce", "code": code or
                     f"chainrule lecture {result.topic} --seed {result.config.get('seed', 0)}"
                     + (" --full" if not result.config.get("fast", True) else "")})
    return write_report(Path(out_dir) / "report.html", f"{result.title} (CS231n lecture 4, section {result.section})",
                        sections, subtitle=result.claim)
