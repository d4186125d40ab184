"""Lecture section 2: activation functions. Saturation and vanishing gradients, dead ReLUs, Leaky ReLU.

Three measurements:

1. Gradient flow at initialization. A 10-layer net (nine hidden layers of 64 units, then the output layer)
   with the same weights (Kaiming normal, zero biases) and each activation in turn: the norm of every
   layer's weight gradient for one batch, and the local gradients f'(z) of the hidden units. Chain rule:
   the gradient reaching layer 1 is a product of nine layers of local gradients, and sigmoid's are at most
   0.25, so it vanishes; ReLU's are 0 or 1, and its gradient keeps its size through depth.
2. Dead ReLUs. A 2-layer net on the spiral trained with plain SGD at a good learning rate and at a too-large
   one: the fraction of hidden units that are never active on the training data (dead: their gradient is
   exactly 0, so they never recover), over training. The same too-large learning rate with Leaky ReLU: its
   inactive units still get a small gradient, so none is dead and many come back.
3. The activation functions and their derivatives (from chainrule's backward), saturated regions shaded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..autograd import grad, no_grad
from ..nn import MLP, activation_by_name, init
from ..nn import functional as F
from ..tensor import Tensor
from ..optim import SGD
from .common import Result, Timer, accuracy, fit, format_table, seed_everything, write_lecture_report

TOPIC = "activations"
DEPTH, WIDTH, N, D, C = 10, 64, 256, 64, 10
FLOW_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu")
SATURATED = 0.1  # a unit blocks the gradient when f'(z) < SATURATED * max f'


def _derivative(name, z):
    """f'(z) for activation ``name``, from chainrule's own backward."""
    t = Tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    (g,) = grad(activation_by_name(name)()(t).sum(), [t])
    return g.data


def gradient_flow(name, X, y, seed):
    """Per-layer weight-gradient norms at initialization, and the hidden units' local gradients."""
    seed_everything(seed)
    model = MLP(D, [WIDTH] * (DEPTH - 1), C, activation=name)
    for layer in model.linear_layers:
        init.kaiming_normal_(layer.weight, nonlinearity="relu")
        init.zeros_(layer.bias)
    pre = []
    hooks = [layer.register_forward_hook(lambda m, args, out: pre.append(out.data))
             for layer in model.linear_layers[:-1]]
    F.cross_entropy(model(Tensor(X)), y).backward()
    for h in hooks:
        h.remove()
    norms = [float(np.linalg.norm(layer.weight.grad.data)) for layer in model.linear_layers]
    peak = float(np.max(_derivative(name, np.linspace(-5, 5, 2001))))
    local = [_derivative(name, z) for z in pre]
    mean_local = float(np.mean([np.mean(np.abs(d)) for d in local]))
    blocked = float(np.mean([np.mean(np.abs(d) < SATURATED * peak) for d in local]))
    return norms, mean_local, blocked, peak


def _first_layer_stats(model, X, y):
    """(fraction never active on X, fraction whose gradient is exactly 0 on X) of the first hidden layer."""
    first = model.linear_layers[0]
    with no_grad():
        z = first(X).data
    inactive = float(np.mean(np.all(z <= 0, axis=0)))
    loss = F.cross_entropy(model(X), y)
    gw, gb = grad(loss, [first.weight, first.bias])
    per_unit = np.abs(gw.data).sum(axis=1) + np.abs(gb.data)
    return inactive, float(np.mean(per_unit == 0)), np.all(z <= 0, axis=0)


def dead_units(activation, lr, X, y, steps, every, seed):
    """Train a 2-layer net with plain SGD; record the first layer's dead/inactive fractions every ``every`` steps."""
    seed_everything(seed)
    model = MLP(2, [100], 3, activation=activation)
    X = Tensor(X)
    history = {"step": [], "inactive": [], "zero_grad": [], "dead_mask": []}

    def record(step, m):
        inactive, zero, mask = _first_layer_stats(m, X, y)
        history["step"].append(step)
        history["inactive"].append(inactive)
        history["zero_grad"].append(zero)
        history["dead_mask"].append(mask)

    with np.errstate(over="ignore", invalid="ignore"):
        record(0, model)
        losses = fit(model, SGD(model.parameters(), lr=lr), [(X, y)], epochs=steps,
                     on_epoch=lambda step, m: record(step, m) if step % every == 0 or step == steps else None)
    history["loss"] = losses[-1]
    history["accuracy"] = accuracy(model, X, y)
    return history


def run(out_dir, fast: bool = True, seed: int = 0) -> Result:
    """Gradient norms through a 10-layer net, dead ReLUs under a too-large learning rate, activation plots."""
    from ..data import load_dataset
    from ..viz.plots import plot_activations, plot_dead_relu, plot_gradient_norms
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(seed)
    steps, every = (1500, 50) if fast else (5000, 100)
    good_lr, big_lr = 1.0, 5.0
    result = Result(TOPIC, "Activation functions: vanishing gradients and dead ReLUs", "2",
                    "Sigmoid's gradient vanishes through depth, ReLU's does not; a too-large learning rate kills "
                    "ReLUs for good, and Leaky ReLU keeps them alive.",
                    config={"gradient flow": f"{DEPTH} Linear layers, {WIDTH} units, batch {N} of N(0, 1) inputs "
                                             f"({D}-d), {C} random labels, Kaiming-normal weights, zero biases",
                            "dead ReLUs": f"spiral, 2-layer net H=100, plain SGD for {steps} full-batch steps, "
                                          f"lr {good_lr} (good) and {big_lr} (too large)",
                            "seed": seed, "fast": fast})
    with Timer() as timer:
        X = rng.standard_normal((N, D)).astype(np.float32)
        y = rng.integers(0, C, N)
        flow = {name: gradient_flow(name, X, y, seed) for name in FLOW_ACTIVATIONS}
        spiral = load_dataset("spiral", seed=seed)
        Xs, ys = spiral.train.X, spiral.train.y
        runs = {
            f"ReLU, lr {good_lr}": dead_units("relu", good_lr, Xs, ys, steps, every, seed),
            f"ReLU, lr {big_lr}": dead_units("relu", big_lr, Xs, ys, steps, every, seed),
            f"Leaky ReLU, lr {big_lr}": dead_units("leaky_relu", big_lr, Xs, ys, steps, every, seed),
        }
    flow_header = ["activation", "|dW1|", "|dW5|", "|dW10|", "|dW1| / |dW10|", "mean |f'(z)|",
                   f"units with f' < {SATURATED:g} max f'"]
    flow_rows = [[name, n[0], n[4], n[-1], n[0] / n[-1], mean_local, blocked]
                 for name, (n, mean_local, blocked, _) in flow.items()]
    relu_small, relu_big, leaky = runs.values()
    dead_header = ["run", "dead at start", "dead at end", "most dead", "inactive at end", "train acc"]
    dead_rows = [[name, h["zero_grad"][0], h["zero_grad"][-1], max(h["zero_grad"]), h["inactive"][-1], h["accuracy"]]
                 for name, h in runs.items()]
    # "dead for good": every ReLU unit dead at the first record after the start is still dead at the end
    first_dead = relu_big["dead_mask"][1]
    still_dead = bool(np.all(relu_big["dead_mask"][-1][first_dead])) if first_dead.any() else True
    result.numbers = {
        "grad_norms": {name: n for name, (n, _, _, _) in flow.items()},
        "first_layer_grad": {name: n[0] for name, (n, _, _, _) in flow.items()},
        "mean_local_gradient": {name: m for name, (_, m, _, _) in flow.items()},
        "blocked_fraction": {name: b for name, (_, _, b, _) in flow.items()},
        "dead_small_lr": relu_small["zero_grad"][-1], "dead_large_lr": relu_big["zero_grad"][-1],
        "dead_at_init": relu_small["zero_grad"][0],
        "leaky_dead": max(leaky["zero_grad"]), "leaky_inactive_end": leaky["inactive"][-1],
        "leaky_inactive_peak": max(leaky["inactive"]),
        "accuracy": {name: h["accuracy"] for name, h in runs.items()},
        "steps": relu_small["step"],
        "dead_curves": {name: h["zero_grad"] for name, h in runs.items()},
        "inactive_curves": {name: h["inactive"] for name, h in runs.items()},
    }
    sig, relu = flow["sigmoid"][0], flow["relu"][0]
    result.checks = {
        "sigmoid's first-layer gradient is over 100x smaller than ReLU's (same weights)": sig[0] * 100 < relu[0],
        "sigmoid's gradient shrinks over 100x from layer 10 back to layer 1; ReLU's stays within 10x":
            sig[0] * 100 < sig[-1] and 0.1 < relu[0] / relu[-1] < 10,
        f"a too-large learning rate ({big_lr}) leaves far more dead ReLUs than a good one ({good_lr})":
            relu_big["zero_grad"][-1] > relu_small["zero_grad"][-1] + 0.2,
        "dead ReLUs stay dead: every unit dead early in training is still dead at the end": still_dead,
        f"Leaky ReLU at the same too-large learning rate has no dead unit (none with zero gradient)":
            max(leaky["zero_grad"]) == 0.0,
    }
    norms_pic = plot_gradient_norms({name: n for name, (n, _, _, _) in flow.items()}, out_dir / "gradient_norms.png",
                                    title=f"weight-gradient norm per layer at initialization ({DEPTH}-layer net)")
    curves = {f"{name}: dead": h["zero_grad"] for name, h in runs.items()}
    curves[f"Leaky ReLU, lr {big_lr}: inactive (alive)"] = leaky["inactive"]
    dead_pic = plot_dead_relu(curves, out_dir / "dead_relu.png", steps=relu_small["step"], xlabel="SGD step",
                              ylabel="fraction of the 100 first-layer units",
                              title="dead: zero gradient on all training data; inactive: output 0 on all of it")
    act_pic = plot_activations(out_dir / "activation_functions.png",
                               names=("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"))
    result.pictures = [norms_pic, dead_pic, act_pic]
    result.seconds = timer.seconds
    result.table = (
        f"gradient flow at initialization ({DEPTH}-layer net, same weights for every activation):\n"
        + format_table(flow_header, flow_rows, digits=3)
        + f"\n\ndead ReLUs (spiral, 2-layer net, plain SGD, {steps} steps; dead = zero gradient on every "
          f"training point):\n" + format_table(dead_header, dead_rows, digits=3)
        + f"\n{relu_small['zero_grad'][0]:.0%} of the ReLUs are dead from the start (the whole spiral lies on their "
          f"negative side).\nLeaky ReLU: up to {max(leaky['inactive']):.0%} of its units were inactive during "
          f"training, none dead (each still gets 1% of the gradient); {leaky['inactive'][-1]:.0%} still inactive at "
          f"the end.")
    result.report = write_lecture_report(
        result, out_dir,
        explanation=[
            "Backprop multiplies local gradients along the chain. Sigmoid squashes its input into [0, 1] and "
            "its derivative is at most 0.25, tiny once the input is large in magnitude (saturation). Through "
            f"{DEPTH} layers these factors multiply and the gradient reaching the first layer all but "
            "vanishes, so its weights barely learn. ReLU's derivative is exactly 1 on its positive side: it "
            "does not saturate there, and with the same weights its gradient keeps its size through depth.",
            "ReLU's weak point is its other side. A unit whose input is negative for every example passes no "
            "gradient at all; its weights never change again: it is dead, for good. A too-large learning rate "
            "pushes many units there in a few steps. Leaky ReLU, max(0.01 x, x), still lets 1% of the gradient "
            "through, so its inactive units keep learning and can come back.",
            "tanh is zero-centred and its derivative is 1 at 0, so with these weights it keeps more gradient "
            "than sigmoid; it saturates in the same way for large inputs (the shaded regions in the last "
            "picture). GELU, the smooth variant used in Transformers, behaves like ReLU here. The rule of "
            "thumb: ReLU (or a variant) for the hidden layers, the same one in every hidden layer."],
        quote="Khi đầu vào x quá lớn hoặc quá nhỏ (nằm ở hai đầu \"bão hòa\" của hàm), đạo hàm của Sigmoid/Tanh "
              "tiến về 0 ... Nếu nơ-ron bị rơi vào miền âm và không bao giờ kích hoạt, gradient sẽ luôn bằng 0 "
              "và nơ-ron đó sẽ \"chết\" vĩnh viễn.",
        tables=[("Gradient flow at initialization", flow_header, flow_rows),
                ("Dead ReLUs after training", dead_header, dead_rows)],
        images=[(norms_pic, "weight-gradient norm per layer at initialization (log scale): sigmoid vanishes "
                            "toward the input"),
                (dead_pic, "fraction of first-layer units that are dead (zero gradient on all training data), and of "
                          "Leaky ReLU units that are inactive but alive"),
                (act_pic, "activation functions (green) and derivatives (red); shaded grey: saturated, the gradient "
                          "vanishes; hatched: zero gradient (ReLU's dead side); Leaky ReLU's 0.01 is not shaded")])
    return result
