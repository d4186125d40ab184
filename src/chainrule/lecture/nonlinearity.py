"""Lecture section 1.3: without a non-linearity, f = W2 W1 x = W3 x, so a deep net is a linear classifier.

On the spiral data (3 classes that no straight line separates) four nets are trained the same way:
a linear classifier ``W x + b``; the 2-layer net with its ReLU removed; a 3-layer net with no activation;
and the 2-layer net with its ReLU. For the nets without activation, ``MLP.collapsed()`` multiplies the
layers out, ``W3 = W2 W1`` (and ``b3 = W2 b1 + b2``), and the net's outputs are compared with the single
linear map's on the data and on a grid around it (float64, so the difference is pure rounding).
Their accuracy is no better than the linear classifier's; the ReLU net's is far better.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..nn import MLP
from ..optim import Adam
from .common import (Result, Timer, accuracy, figure, fit, format_table, predict, predictor, save_figure, seed_everything,
                     write_lecture_report)

TOPIC = "nonlinearity"
HIDDEN = 100
MARGIN = 0.05      # deep-linear accuracy may exceed linear by at most this (noise of training)
FAR_BETTER = 0.3   # ReLU must beat linear by at least this


def _models():
    return [
        ("linear classifier  f = W x + b", [], "relu"),
        (f"2-layer, no activation  f = W2 W1 x", [HIDDEN], None),
        ("3-layer, no activation  (3 matrices)", [HIDDEN, HIDDEN], None),
        (f"2-layer, ReLU  f = W2 max(0, W1 x)", [HIDDEN], "relu"),
    ]


def _plot_collapse(path, net_out, single_out):
    fig = figure((4.8, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    lo, hi = float(min(net_out.min(), single_out.min())), float(max(net_out.max(), single_out.max()))
    ax.plot([lo, hi], [lo, hi], color="#9e9e9e", linewidth=1, label="y = x")
    for c in range(net_out.shape[1]):
        ax.scatter(single_out[:, c], net_out[:, c], s=6, label=f"class {c} score")
    ax.set_xlabel("single linear map: W3 x + b3")
    ax.set_ylabel("2-layer net without activation: W2 (W1 x + b1) + b2")
    ax.set_title("the trained net is one linear map", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def run(out_dir, fast: bool = True, seed: int = 0) -> Result:
    """Train linear, deep-linear and ReLU nets on spiral; collapse the deep-linear ones and compare."""
    from ..data import load_dataset
    from ..viz.plots import plot_decision_boundaries
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(seed)
    steps = 1000 if fast else 4000
    lr = 1e-2
    splits = load_dataset("spiral", seed=seed)
    Xtr, ytr = splits.train.X.astype(np.float64), splits.train.y
    Xva, yva = splits.val.X.astype(np.float64), splits.val.y
    grid = rng.uniform(-1.5, 1.5, size=(10_000, 2))
    result = Result(TOPIC, "Why a non-linearity: W2 W1 = W3", "1.3",
                    "Without its activation a deep net is one linear map, W3 = W2 W1, and no better than a linear "
                    "classifier; with ReLU it is far better.",
                    config={"data": f"spiral, 3 classes, {len(ytr)} train / {len(yva)} validation points",
                            "hidden": HIDDEN, "optimizer": "Adam", "lr": lr, "steps (full batch)": steps,
                            "dtype": "float32 training; float64 for the W3 comparison", "seed": seed,
                            "fast": fast})
    rows, panels, models = [], [], {}
    with Timer() as timer:
        for name, hidden, act in _models():
            model = MLP(2, hidden, 3, activation=act)
            losses = fit(model, Adam(model.parameters(), lr=lr), [(Xtr.astype(np.float32), ytr)], epochs=steps)
            tr, va = accuracy(model, Xtr.astype(np.float32), ytr), accuracy(model, Xva.astype(np.float32), yva)
            diff = diff32 = None
            collapsed = "-"
            if hidden and act is None:
                points = np.concatenate([Xtr, Xva, grid])
                W, b = model.collapsed()
                diff32 = float(np.max(np.abs(predict(model, points.astype(np.float32)) -
                                             (points.astype(np.float32) @ W.T + b))))
                model.double()      # the same trained weights, evaluated without float32 rounding
                W, b = model.collapsed()
                net_out = predict(model, points)
                single_out = points @ W.T + b
                diff = float(np.max(np.abs(net_out - single_out)))
                collapsed = f"one {W.shape[0]}x{W.shape[1]} matrix + bias"
                models[name] = (model, W, b, net_out, single_out)
            rows.append([name, model.num_parameters(), losses[-1], tr, va, collapsed,
                         "-" if diff is None else diff, "-" if diff32 is None else diff32])
            dtype = np.float64 if act is None and hidden else np.float32
            panels.append((f"{name.split('  ')[0]}", predictor(model, dtype)))
    linear_va, relu_va = rows[0][4], rows[3][4]
    deep_rows = rows[1:3]
    result.numbers = {
        "linear_val_acc": linear_va, "linear_train_acc": rows[0][3],
        "deep_linear_val_acc": deep_rows[0][4], "deep_linear_train_acc": deep_rows[0][3],
        "deeper_linear_val_acc": deep_rows[1][4], "deeper_linear_train_acc": deep_rows[1][3],
        "relu_val_acc": relu_va, "relu_train_acc": rows[3][3],
        "max_abs_diff": deep_rows[0][6], "max_abs_diff_3layer": deep_rows[1][6],
        "max_abs_diff_float32": deep_rows[0][7],
        "params": [r[1] for r in rows],
    }
    name2 = _models()[1][0]
    _, W3, b3, net_out, single_out = models[name2]
    W1 = models[name2][0].linear_layers[0].weight.data
    W2 = models[name2][0].linear_layers[1].weight.data
    result.numbers["W3"] = W3.tolist()
    result.numbers["b3"] = b3.tolist()
    result.checks = {
        "W2 W1 = W3: the trained 2-layer net without activation and the single map W3 x + b3 agree "
        "(max |difference| < 1e-5, float64)": deep_rows[0][6] < 1e-5,
        "the same for 3 layers: the product of its three matrices is one linear map (max |difference| < 1e-5)":
            deep_rows[1][6] < 1e-5,
        f"the nets without activation are no better than the linear classifier (validation accuracy <= "
        f"linear + {MARGIN})": all(r[4] <= linear_va + MARGIN for r in deep_rows),
        f"with ReLU the net is far better (validation accuracy >= linear + {FAR_BETTER})":
            relu_va >= linear_va + FAR_BETTER,
    }
    header = ["model", "params", "final loss", "train acc", "val acc", "collapses to", "max |net - W3 x - b3|",
              "(in float32)"]
    bound = out_dir / "nonlinearity_boundaries.png"
    plot_decision_boundaries(panels, Xtr, ytr, bound, ncols=4, resolution=120,
                             title="spiral: without an activation every boundary is straight")
    scatter = _plot_collapse(out_dir / "nonlinearity_collapse.png", net_out[:2000], single_out[:2000])
    result.pictures = [bound, scatter]
    result.seconds = timer.seconds
    w3_text = np.array2string(W3, precision=3, suppress_small=True)
    result.table = (format_table(header, rows) +
                    f"\n\nW1 is {W1.shape[0]}x{W1.shape[1]}, W2 is {W2.shape[0]}x{W2.shape[1]}: "
                    f"their product W3 = W2 W1 "
                    f"is {W3.shape[0]}x{W3.shape[1]}:\n{w3_text}\n"
                    f"max |net(x) - (W3 x + b3)| over {len(net_out):,} points = {deep_rows[0][6]:.3g} in float64 "
                    f"({deep_rows[0][7]:.3g} in float32)")
    result.report = write_lecture_report(
        result, out_dir,
        explanation=[
            "Take the 2-layer net f = W2 max(0, W1 x) and remove the max: f = W2 (W1 x) = (W2 W1) x = W3 x. "
            "However many layers are stacked, a product of matrices is one matrix, so the network can only "
            "draw the straight class boundaries of a linear classifier (eq. 2).",
            f"We train the net without activation and multiply its trained weights out: W2 is {W2.shape[0]}x"
            f"{W2.shape[1]}, W1 is {W1.shape[0]}x{W1.shape[1]}, and W3 = W2 W1 is a {W3.shape[0]}x{W3.shape[1]} "
            f"matrix. On {len(net_out):,} points the net and the single map W3 x + b3 agree to "
            f"{deep_rows[0][6]:.1e} when evaluated in float64 (and to {deep_rows[0][7]:.1e} in float32, "
            f"where each way of computing rounds differently). Its accuracy on the spiral is that of a linear "
            f"classifier; the same net with ReLU fits the spiral.",
            "The non-linearity is what makes depth worth anything: it lets the network approximate "
            "complicated functions (universal approximation)."],
        quote="Nếu không có hàm kích hoạt phi tuyến (ví dụ bỏ hàm max), công thức trở thành f = W2 W1 x = W3 x ... "
              "Mạng nhiều lớp sẽ quy về mạng 1 lớp (Linear Classifier).",
        tables=[("Four nets, trained the same way", header, rows)],
        images=[(bound, "decision boundaries on the spiral (training points)"),
                (scatter, "scores of the net without activation against the single linear map: the identity line")])
    return result
