"""Every optimizer's step on the CIFAR recipe's largest weight (2048 x 3072 float32): in blocks of 32,768
elements, as chainrule runs it, against the same update on whole arrays (the block size raised past the
parameter's), interleaved. Both give the same bits; the blocks keep their scratch arrays in cache."""
from __future__ import annotations

import contextlib

import numpy as np

from .common import interleaved, table

CONFIGS = [("SGD", {}), ("SGD", {"momentum": 0.9, "weight_decay": 5e-4}), ("Adam", {}),
           ("Adam", {"weight_decay": 5e-4, "amsgrad": True}), ("AdamW", {}), ("Adamax", {}), ("NAdam", {}),
           ("RAdam", {}), ("RMSprop", {}), ("RMSprop", {"centered": True, "momentum": 0.9}), ("Adagrad", {}),
           ("Adadelta", {})]


@contextlib.contextmanager
def _whole_arrays(whole):
    from chainrule.optim import algorithms
    before = algorithms._BLOCK
    algorithms._BLOCK = 1 << 40 if whole else before
    try:
        yield
    finally:
        algorithms._BLOCK = before


def _step(name, kw, shape, whole):
    import chainrule as cr
    rng = np.random.default_rng(0)
    p = cr.nn.Parameter(rng.standard_normal(shape).astype(np.float32))
    p.grad = cr.Tensor(rng.standard_normal(shape).astype(np.float32))
    opt = getattr(cr.optim, name)([p], lr=1e-4, **kw)

    def step():
        with _whole_arrays(whole):
            opt.step()
    return step


def run(quick: bool = False, test: bool = False) -> str:
    shape = (64, 1100) if test else (2048, 3072)
    configs = CONFIGS[:3] if test or quick else CONFIGS
    rows = []
    for name, kw in configs:
        t = interleaved({"blocks": _step(name, kw, shape, False), "whole": _step(name, kw, shape, True)},
                        repeats=2 if test else 5 if quick else 15, warmup=1 if test else 2)
        label = name + "".join(f", {k}={v}" for k, v in kw.items())
        rows.append([label, f"{t['whole'] * 1e3:.1f} ms", f"{t['blocks'] * 1e3:.1f} ms",
                     f"{t['blocks'] / t['whole']:.2f}x"])
    return table(f"Optimizer step on a {shape[0]} x {shape[1]} float32 parameter (median, interleaved)",
                 ["optimizer", "whole arrays", "blocks", "blocks / whole"], rows)
