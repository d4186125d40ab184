"""What every lecture experiment shares: the `Result` it returns, seeding, the training loop (`fit`, from
chainrule.train), tables, figures and the HTML report.

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

from ..random import manual_seed
from ..tensor import Tensor
from ..train.loop import fit  # noqa: F401  (re-exported for the experiments)
from ..train.metrics import predict_scores
from ..train.progress import fmt
from ..train.progress import format_table as _format_table
from ..viz.plots import figure  # noqa: F401  (re-exported for the experiments)
from ..viz.plots import save_figure  # noqa: F401  (re-exported for the experiments)

__all__ = ["Result", "seed_everything", "format_table", "fit", "accuracy", "figure", "save_figure",
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


# --- training and prediction: chainrule.train's fit and predict_scores --------------------------------

def predict(model, X) -> np.ndarray:
    """Class scores of ``model`` on all of ``X`` at once, in ``X``'s own dtype (`predict_scores`)."""
    X = X.data if isinstance(X, Tensor) else np.asarray(X)
    return predict_scores(model, X, batch_size=max(len(X), 1), dtype=None)


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
