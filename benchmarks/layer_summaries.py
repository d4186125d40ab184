"""What the per-tensor summaries cost per epoch (quantiles of weights and gradients, recorded by default).

`chainrule.train.diagnostics.parameter_summaries` runs once per epoch. Timed against a whole epoch: the default
run (``chainrule train --model mlp``: spiral, 2-100-3 net, 300 points in batches of 100, validation included)
without diagnostics, and the CIFAR-10 recipe's 3072-2048-10 net (summaries alone; its epoch is 176 steps of batch 256,
one step timed here and multiplied).
"""
from __future__ import annotations

import numpy as np

from .common import median_seconds, table


def _trainer(cfg, splits, diagnostics):
    from chainrule.train import Trainer, build_experiment
    exp = build_experiment(cfg, None, "none", splits)
    return exp, Trainer(exp.model, exp.optimizer, scheduler=exp.scheduler, reg=cfg.reg, epochs=10**6,
                        progress="none", diagnostics=diagnostics)


def _spiral(repeats):
    from chainrule.train import load_data, resolve
    from chainrule.train.diagnostics import parameter_summaries
    cfg = resolve({"dataset": "spiral", "model": "mlp", "progress": "none", "plots": "false"})
    splits = load_data(cfg)
    exp, tr = _trainer(cfg, splits, False)
    epoch = median_seconds(lambda: tr._train_epoch(exp.loader, (splits.val.X, splits.val.y)), repeats)
    return epoch, median_seconds(lambda: parameter_summaries(exp.model), repeats)


def _cifar_mlp(repeats):
    import chainrule as cr
    from chainrule.train.diagnostics import parameter_summaries
    cr.manual_seed(0)
    model = cr.nn.MLP(3072, [2048], 10)
    opt = cr.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    x = cr.tensor(np.random.default_rng(0).standard_normal((256, 3072), dtype=np.float32))
    y = np.random.default_rng(1).integers(0, 10, 256)

    def step():
        opt.zero_grad()
        cr.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    one = median_seconds(step, max(3, repeats // 5))
    return one * 176, median_seconds(lambda: parameter_summaries(model), repeats)


def run(quick: bool = False, test: bool = False) -> str:
    repeats = 3 if test else 10 if quick else 30
    off, summary = _spiral(repeats)
    rows = [["default run (spiral 2-100-3): one epoch (3 steps, validation) without diagnostics",
             f"{off * 1e3:.2f} ms", ""],
            ["its summaries (4 tensors)", f"{summary * 1e3:.3f} ms", f"{summary / off:.1%} of its epoch"]]
    if not test:
        epoch, summary = _cifar_mlp(repeats)
        rows.append(["CIFAR-10 recipe net (3072-2048-10): summaries alone", f"{summary * 1e3:.1f} ms",
                     f"{summary / epoch:.2%} of its {epoch:.1f} s epoch"])
    return table("Per-tensor summaries (7 quantiles of weights and gradients per tensor), per epoch",
                 ["what", "time", "share"], rows)


if __name__ == "__main__":
    print(run())
