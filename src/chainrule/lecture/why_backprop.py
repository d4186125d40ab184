"""Lecture section 4.1: why backpropagation. A numerical gradient costs 2P forward passes, backprop one
forward and one backward.

For a 2-layer ReLU net with a growing number of parameters P, one gradient of the loss is computed twice:

- by centered differences with ``cr.numerical_grad`` (float64): every parameter is nudged up and down, so
  2P forward passes (counted by wrapping the loss function; ``numerical_grad`` also evaluates the
  unperturbed loss once, for its kink check, so the counter reads 2P + 1);
- by backprop: one forward pass and one backward pass, whatever P is.

Both are timed, and the two gradients are compared with CS231n's relative error
``max |a - b| / max(1e-8, |a| + |b|)``.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from ..gradcheck import numerical_grad, rel_error
from ..nn import functional as F
from ..tensor import Tensor
from .common import Result, Timer, figure, format_table, save_figure, seed_everything, write_lecture_report

TOPIC = "why-backprop"
N, D, C = 32, 8, 3
FAST_HIDDEN = (4, 16, 64, 256)
FULL_HIDDEN = (4, 16, 64, 256, 1024, 2048)


def param_count(h: int, d: int = D, c: int = C) -> int:
    """Parameters of a D -> h -> C net with biases: h (D + 1) + C (h + 1)."""
    return h * (d + 1) + c * (h + 1)


class CountingLoss:
    """The net's loss as a function of its parameters, counting how often it is evaluated (forward passes)."""

    def __init__(self, X, y):
        self.X, self.y, self.calls = Tensor(X), y, 0

    def __call__(self, w1, b1, w2, b2):
        self.calls += 1
        hidden = F.linear(self.X, w1, b1).relu()
        return F.cross_entropy(F.linear(hidden, w2, b2), self.y)


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _measure(h, rng, X, y):
    params = [rng.standard_normal((h, D)) * np.sqrt(2.0 / D), rng.standard_normal(h) * 0.1,
              rng.standard_normal((C, h)) * np.sqrt(2.0 / h), rng.standard_normal(C) * 0.1]
    loss = CountingLoss(X, y)
    P = sum(p.size for p in params)

    # backprop: one forward + one backward
    tensors = [Tensor(p.copy(), requires_grad=True) for p in params]

    def backprop():
        for t in tensors:
            t.grad = None
        loss(*tensors).backward()

    backprop()
    analytic = np.concatenate([t.grad.data.reshape(-1) for t in tensors])
    loss.calls = 0
    backprop()
    backprop_forwards = loss.calls
    t_backprop = _median_time(backprop, 7)
    t_forward = _median_time(lambda: loss(*[Tensor(p) for p in params]), 7)

    # numerical: centered differences, one parameter at a time
    loss.calls = 0
    start = time.perf_counter()
    numeric = numerical_grad(loss, [Tensor(p.copy()) for p in params], eps=1e-6)
    t_numerical = time.perf_counter() - start
    numerical_calls = loss.calls
    numeric = np.concatenate([g.reshape(-1) for g in numeric])
    elementwise = np.abs(numeric - analytic) / np.maximum(1e-8, np.abs(numeric) + np.abs(analytic))
    normwise = float(np.linalg.norm(numeric - analytic) / (np.linalg.norm(numeric) + np.linalg.norm(analytic)))
    return {"H": h, "P": P, "numerical_calls": numerical_calls, "numerical_probes": numerical_calls - 1,
            "backprop_forwards": backprop_forwards, "t_numerical": t_numerical, "t_backprop": t_backprop,
            "t_forward": t_forward, "rel_error": rel_error(numeric, analytic),
            "median_rel_error": float(np.median(elementwise)), "normwise_error": normwise}


def _plot(path, rows):
    P = [r["P"] for r in rows]
    fig = figure((10, 3.8))
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(P, [r["numerical_calls"] for r in rows], "o-", color="#c62828", label="numerical: 2P + 1")
    ax1.plot(P, [r["backprop_forwards"] for r in rows], "s-", color="#1a7f37", label="backprop: 1 (+ 1 backward)")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("parameters P")
    ax1.set_ylabel("forward passes for one gradient")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3, which="both")
    ax2.plot(P, [r["t_numerical"] for r in rows], "o-", color="#c62828", label="numerical gradient")
    ax2.plot(P, [r["t_backprop"] for r in rows], "s-", color="#1a7f37", label="backprop (forward + backward)")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("parameters P")
    ax2.set_ylabel("seconds for one gradient")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3, which="both")
    fig.suptitle("one gradient of a 2-layer ReLU net's loss (batch 32): cost as P grows")
    return save_figure(fig, path)


def run(out_dir, fast: bool = True, seed: int = 0) -> Result:
    """Count and time numerical vs backprop gradients for growing P; compare them with CS231n's rel_error."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(seed)
    hidden = FAST_HIDDEN if fast else FULL_HIDDEN
    result = Result(TOPIC, "Why backprop: numerical gradients cost 2P forward passes", "4.1",
                    "A numerical gradient needs 2P forward passes; backprop needs one forward and one backward, "
                    "so its cost hardly grows with P.",
                    config={"net": f"{D} -> H -> {C}, ReLU, cross-entropy", "batch": N, "H": list(hidden),
                            "dtype": "float64", "eps": 1e-6, "seed": seed, "fast": fast})
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    with Timer() as timer:
        rows = [_measure(h, rng, X, y) for h in hidden]
    big = rows[-1]
    per_forward = big["t_forward"]
    million = 2 * 1_000_000 * per_forward
    result.numbers = {
        "P": [r["P"] for r in rows], "numerical_calls": [r["numerical_calls"] for r in rows],
        "numerical_probes": [r["numerical_probes"] for r in rows],
        "backprop_forwards": [r["backprop_forwards"] for r in rows],
        "t_numerical": [r["t_numerical"] for r in rows], "t_backprop": [r["t_backprop"] for r in rows],
        "t_forward": [r["t_forward"] for r in rows], "rel_error": [r["rel_error"] for r in rows],
        "median_rel_error": [r["median_rel_error"] for r in rows],
        "normwise_error": [r["normwise_error"] for r in rows],
        "seconds_for_1M_params_numerical_estimate": million,
    }
    header = ["H", "P", "numerical passes (2P+1)", "backprop passes", "numerical s", "backprop s", "ratio",
              "rel_error (max)", "median", "|a-n|/(|a|+|n|)"]
    table_rows = [[r["H"], r["P"], r["numerical_calls"], r["backprop_forwards"], r["t_numerical"], r["t_backprop"],
                   r["t_numerical"] / r["t_backprop"],
                   r["rel_error"], r["median_rel_error"], r["normwise_error"]] for r in rows]
    result.checks = {
        "the numerical gradient takes exactly 2P probe forward passes (+1 unperturbed) for every P":
            all(r["numerical_probes"] == 2 * r["P"] for r in rows),
        "backprop takes one forward pass for every P": all(r["backprop_forwards"] == 1 for r in rows),
        "numerical and backprop gradients agree entry by entry: CS231n rel_error (max over all P entries) < 1e-3 "
        "at every P": all(r["rel_error"] < 1e-3 for r in rows),
        "the whole gradient vectors agree: |a - n| / (|a| + |n|) < 1e-7 at every P":
            all(r["normwise_error"] < 1e-7 for r in rows),
        "at the largest P the numerical gradient is over 10x slower than backprop":
            big["t_numerical"] > 10 * big["t_backprop"],
    }
    pic = _plot(out_dir / "why_backprop.png", rows)
    result.pictures = [pic]
    result.seconds = timer.seconds
    growth_num = big["t_numerical"] / rows[0]["t_numerical"]
    growth_bp = big["t_backprop"] / rows[0]["t_backprop"]
    result.numbers.update({"numerical_time_growth": growth_num, "backprop_time_growth": growth_bp})
    note = (f"P grew {big['P'] / rows[0]['P']:.0f}x: numerical time grew {growth_num:.0f}x, backprop time "
            f"{growth_bp:.1f}x (times are measured, so they vary a little from run to run; the counts do not).\n"
            f"a net with 1,000,000 parameters would need 2,000,000 forward passes: at the {per_forward * 1e6:.0f} us "
            f"one forward pass of the P={big['P']:,} net takes, that is at least {million / 60:.0f} minutes for "
            f"one numerical gradient.")
    result.table = format_table(header, table_rows, digits=3) + "\n\n" + note
    result.report = write_lecture_report(
        result, out_dir,
        explanation=[
            "A numerical gradient nudges one parameter at a time and re-runs the whole network: with centered "
            "differences, (L(W + h) - L(W - h)) / 2h, that is two forward passes per parameter, 2P in all. A "
            "network with a million parameters would need two million forward passes for a single gradient step.",
            "Backprop gets every parameter's gradient from one forward pass and one backward pass over the "
            "computational graph, each node applying the chain rule locally. Its cost is about that of two "
            "forward passes, whatever P is.",
            "The numerical gradient is still useful: as a check. CS231n's rel_error, max |a - n| / (|a| + |n|) "
            "over every entry, stays small (CS231n: below 1e-4 is usually fine for a loss with kinks such as "
            "ReLU's, above 1e-2 the gradient is probably wrong). Its worst entries are the tiniest gradients "
            "(about 1e-5, smaller as H grows), where float64 round-off in the finite difference is comparable "
            "to the value itself; the median entry and the whole gradient vectors agree to about 1e-9.", note],
        quote="Nếu mạng có 1 triệu trọng số (parameters), ta phải thực hiện phép tính này 1 triệu lần ... "
              "Chỉ cần 1 lần Forward pass và 1 lần Backward pass là ta có được đạo hàm cho tất cả.",
        tables=[("Forward passes, time and agreement as P grows", header, table_rows)],
        images=[(pic, "forward passes (left) and seconds (right) for one gradient, numerical vs backprop")])
    return result
