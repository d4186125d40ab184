"""Lecture section 3.1: use a big network and regularize it, rather than a small network.

On a noisy spiral with few training points (30 per class, angle noise 0.8) and a large fresh validation
set, the same training (Adam, full batch) is run for:

- small nets (3 and 6 hidden units, few parameters), from several random initializations;
- a big net (200 hidden units) with L2 strength lambda = 0, 1e-4, 3e-4, 1e-3 (``l2_penalty``:
  lambda * sum W^2), and with dropout 0.5.

Measured: train and validation accuracy (mean over initializations, and the spread), and each model's
decision boundary. The small nets land in very different places from one initialization to the next (bad
local minima); the unregularized big net fits the noise (train >> validation); regularized, the big net
has the best validation accuracy.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..nn import MLP
from ..optim import Adam
from .common import Result, Timer, accuracy, fit, format_table, predictor, seed_everything, write_lecture_report

TOPIC = "size-vs-regularization"
BIG = 200


def _configs(fast: bool):
    small = (3, 6) if fast else (3, 6, 12)
    lams = (1e-4, 3e-4, 1e-3) if fast else (1e-4, 3e-4, 1e-3, 3e-3)
    drops = (0.5,) if fast else (0.3, 0.5)
    out = [(f"small, H={h}", h, 0.0, 0.0) for h in small]
    out.append((f"big, H={BIG}, no regularization", BIG, 0.0, 0.0))
    out += [(f"big, H={BIG}, L2 lambda={lam:g}", BIG, lam, 0.0) for lam in lams]
    out += [(f"big, H={BIG}, dropout {p:g}", BIG, 0.0, p) for p in drops]
    return out


def run(out_dir, fast: bool = True, seed: int = 0) -> Result:
    """Train small nets and a big net with growing regularization on a noisy spiral; compare validation accuracy."""
    from ..data import load_dataset
    from ..viz.plots import plot_decision_boundaries
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(seed)
    steps, n_seeds, lr = (1000, 2, 1e-2) if fast else (3000, 5, 1e-2)
    splits = load_dataset("spiral", seed=seed, n_per_class=30, noise=0.8, val_size=600)
    Xtr, ytr, Xva, yva = splits.train.X, splits.train.y, splits.val.X, splits.val.y
    configs = _configs(fast)
    result = Result(TOPIC, "Network size and regularization", "3.1",
                    "Use a big net and regularize it (L2, dropout) rather than a small net.",
                    config={"data": f"spiral, noise 0.8: {len(ytr)} train / {len(yva)} validation points",
                            "optimizer": f"Adam lr {lr}, {steps} full-batch steps", "initializations per model":
                            n_seeds, "L2": "lambda * sum of squared weights (biases excluded)",
                            "seed": seed, "fast": fast})
    rows, panels, stats = [], [], {}
    with Timer() as timer:
        for name, hidden, lam, drop in configs:
            tr, va, loss = [], [], []
            for k in range(n_seeds):
                seed_everything(seed * 1000 + k)
                model = MLP(2, [hidden], 3, activation="relu", dropout=drop)
                losses = fit(model, Adam(model.parameters(), lr=lr), [(Xtr, ytr)], epochs=steps, reg=lam)
                tr.append(accuracy(model, Xtr, ytr))
                va.append(accuracy(model, Xva, yva))
                loss.append(losses[-1])
                if k == 0:
                    panels.append((name.replace(f"H={BIG}, ", "").replace("L2 lambda", "lambda"),
                                   predictor(model)))
            stats[name] = {"hidden": hidden, "lambda": lam, "dropout": drop, "params": model.num_parameters(),
                           "train": tr, "val": va, "loss": loss, "train_mean": float(np.mean(tr)),
                           "val_mean": float(np.mean(va))}
            rows.append([name, model.num_parameters(), float(np.mean(tr)), float(np.mean(va)),
                         float(np.mean(tr) - np.mean(va)), f"{min(va):.3f} - {max(va):.3f}",
                         f"{min(loss):.3f} - {max(loss):.3f}"])
    small = {k: v for k, v in stats.items() if v["hidden"] != BIG}
    unreg = next(v for v in stats.values() if v["hidden"] == BIG and v["lambda"] == 0 and v["dropout"] == 0)
    regs = {k: v for k, v in stats.items() if v["hidden"] == BIG and (v["lambda"] > 0 or v["dropout"] > 0)}
    best_small = max(small, key=lambda k: small[k]["val_mean"])
    best_reg = max(regs, key=lambda k: regs[k]["val_mean"])
    result.numbers = {
        "models": {k: {kk: vv for kk, vv in v.items()} for k, v in stats.items()},
        "best_small": best_small, "best_small_val": small[best_small]["val_mean"],
        "best_regularized": best_reg, "best_regularized_val": regs[best_reg]["val_mean"],
        "unregularized_val": unreg["val_mean"], "unregularized_train": unreg["train_mean"],
        "unregularized_gap": unreg["train_mean"] - unreg["val_mean"],
        "best_regularized_gap": regs[best_reg]["train_mean"] - regs[best_reg]["val_mean"],
        "small_val_spread": {k: max(v["val"]) - min(v["val"]) for k, v in small.items()},
    }
    result.checks = {
        "the best regularized big net has a higher validation accuracy than the best small net":
            regs[best_reg]["val_mean"] > small[best_small]["val_mean"],
        "regularization helps the big net: its best regularized validation accuracy beats no regularization":
            regs[best_reg]["val_mean"] > unreg["val_mean"],
        "the unregularized big net overfits more (larger train - validation gap) than the best regularized one":
            result.numbers["unregularized_gap"] > result.numbers["best_regularized_gap"],
    }
    header = ["model", "params", "train acc", "val acc", "gap", "val acc range", "final loss range"]
    pic = plot_decision_boundaries(panels, Xtr, ytr, out_dir / "size_vs_regularization.png", ncols=4,
                                   resolution=100, title="decision boundaries (first initialization; dots and acc: "
                                                         "training points)")
    result.pictures = [pic]
    result.seconds = timer.seconds
    result.table = (format_table(header, rows, digits=3) +
                    f"\n\n(train/val accuracy: mean over {n_seeds} initializations; gap = train - val)\n"
                    f"best small net: {best_small}, validation {small[best_small]['val_mean']:.3f}; "
                    f"best big net: {best_reg}, validation {regs[best_reg]['val_mean']:.3f}")
    result.report = write_lecture_report(
        result, out_dir,
        explanation=[
            "Should we fight overfitting with a small network, or use a big one and regularize it? The "
            "lecture's answer: always the big network with strong regularization. The network's size should "
            "not be the tool against overfitting; the regularization strength lambda (L2, dropout) should.",
            "Small networks have little capacity and their training lands in quite different, often poor, "
            "solutions depending on the initialization (see the spread of their validation accuracy and final "
            "loss). A big unregularized network fits even the noise of the few training points (a large gap "
            "between train and validation accuracy, a wiggly boundary). Adding L2 or dropout smooths the "
            "boundary and closes the gap; tuned on the validation set, it gives the best model.",
            "Too much regularization underfits again (the largest lambda): lambda is a hyperparameter chosen "
            "on validation data."],
        quote="Luôn ưu tiên mạng lớn kết hợp với Regularization mạnh ... Kích thước mạng không nên dùng để chống "
              "Overfitting. Hãy dùng Regularization để làm điều đó.",
        tables=[("Train and validation accuracy", header, rows)],
        images=[(pic, "decision boundaries of each model (first initialization)")])
    return result
