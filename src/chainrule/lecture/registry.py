"""The lecture's topics, in lecture order: name, section, one-line claim, and the module that measures it.

Modules are imported only when a topic runs, so listing the topics is instant and needs no matplotlib.
"""
from __future__ import annotations

import contextlib
import importlib
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

__all__ = ["Topic", "TOPICS", "topic_names", "get_topic", "run_topic"]


@dataclass(frozen=True)
class Topic:
    """One runnable experiment: ``chainrule lecture NAME`` runs ``chainrule.lecture.<module>.run``."""

    name: str
    section: str
    heading: str
    claim: str
    module: str
    seconds: str  # rough fast-mode running time on 2 cores, for the listing
    big_full: bool = False  # --full multiplies big matrices (all BLAS threads help); otherwise one is enough

    def load(self):
        """The experiment's ``run(out_dir, fast=True, seed=0) -> Result`` function."""
        return importlib.import_module(f"{__package__}.{self.module}").run


TOPICS = {t.name: t for t in (
    Topic("templates", "1.1-1.2", "Why more layers: 10 templates vs H templates",
          "a 2-layer net beats a linear classifier; its hidden layer learns many templates, not one per class",
          "templates", "~10 s", big_full=True),
    Topic("nonlinearity", "1.3", "Why a non-linearity: W2 W1 = W3",
          "without its activation a deep net is one linear map (W3 = W2 W1) and no better than a linear classifier",
          "nonlinearity", "~5 s"),
    Topic("activations", "2", "Activation functions: saturation, vanishing gradients, dead ReLUs",
          "sigmoid's gradient vanishes through 10 layers while ReLU's does not; a too-large learning rate kills "
          "ReLUs and Leaky ReLU keeps them alive", "activations", "~8 s"),
    Topic("size-vs-regularization", "3.1", "Network size and regularization",
          "use a big net and regularize it (L2, dropout) rather than a small net", "size_vs_regularization",
          "~12 s"),
    Topic("why-backprop", "4.1", "Why backpropagation: 2P forward passes vs 1 forward + 1 backward",
          "a numerical gradient costs 2P forward passes; backprop costs one forward and one backward whatever P is",
          "why_backprop", "~4 s"),
    Topic("gates", "4.2-4.3", "Computational graph and the four gate patterns",
          "add distributes, mul swaps, copy adds, max routes: downstream = local × upstream at every node",
          "gates", "~1 s"),
    Topic("jacobian", "4.4", "Vectorized backprop: never build the Jacobian",
          "an explicit Jacobian of a 4096 -> 4096 layer at batch 64 needs 275 GB; the vector-Jacobian product needs "
          "megabytes, and a gradient always has its variable's shape", "jacobian", "~3 s"),
)}


def topic_names() -> list:
    """The topic names in lecture order."""
    return list(TOPICS)


def get_topic(name: str) -> Topic:
    """The topic called ``name``; :class:`~chainrule.errors.ConfigError` (one sentence) for an unknown name."""
    topic = TOPICS.get(str(name).strip().lower().replace("_", "-"))
    if topic is None:
        raise ConfigError(f"unknown lecture topic {name!r}; the topics are {', '.join(TOPICS)} "
                          f"(run 'chainrule lecture' to list them).")
    return topic


def run_topic(name: str, out_dir=None, fast: bool = True, seed: int = 0):
    """Run topic ``name`` and return its :class:`~chainrule.lecture.common.Result`.

    ``out_dir`` defaults to ``runs/lecture/<name>``. ``fast=False`` runs the longer version (more data, more
    steps, CIFAR-10 (JPEG copy) where a topic uses images). The experiments use one BLAS thread (see
    :func:`~chainrule.lecture.common.blas_threads`), except ``templates --full``.
    """
    topic = get_topic(name)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"the seed must be an integer >= 0, got {seed!r}.")
    out = Path(out_dir) if out_dir is not None else Path("runs") / "lecture" / topic.name
    out.mkdir(parents=True, exist_ok=True)
    from .common import blas_threads
    # the matrices are small: one BLAS thread is as fast, and far faster on a busy machine
    start = time.perf_counter()
    with blas_threads(1) if fast or not topic.big_full else contextlib.nullcontext():
        result = topic.load()(out, fast=fast, seed=seed)
    result.seconds = time.perf_counter() - start      # everything: measuring, pictures, report
    return result
