"""Every activation and loss, forward + backward, against ReLU's on the same 256 x 1024 float32 array."""
from __future__ import annotations

import numpy as np

from .common import interleaved, table


def _cases(N, C):
    import chainrule as cr
    F = cr.nn.functional
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.standard_normal((N, C)).astype(np.float32), requires_grad=True)
    probs = cr.tensor(rng.uniform(0.01, 0.99, (N, C)).astype(np.float32), requires_grad=True)
    g = rng.standard_normal((N, C)).astype(np.float32)
    labels = rng.integers(0, C, N)
    binary = (rng.random((N, C)) < 0.5).astype(np.float32)
    target = rng.standard_normal((N, C)).astype(np.float32)

    def act(f):
        def fn():
            f(x).backward(g)
            x.grad = None
        return fn

    def loss(f, leaf=x):
        def fn():
            f(leaf).backward()
            leaf.grad = None
        return fn

    return {
        "relu": act(F.relu), "leaky_relu": act(F.leaky_relu), "elu": act(F.elu),
        "gelu (exact, erf)": act(F.gelu), "gelu (tanh)": act(lambda t: F.gelu(t, approximate="tanh")),
        "silu": act(F.silu), "sigmoid": act(F.sigmoid), "tanh": act(F.tanh), "softplus": act(F.softplus),
        "erf": act(cr.erf),
        "cross_entropy": loss(lambda t: F.cross_entropy(t, labels)),
        "nll_loss(log_softmax)": loss(lambda t: F.nll_loss(F.log_softmax(t, axis=1), labels)),
        "multi_margin_loss": loss(lambda t: F.multi_margin_loss(t, labels)),
        "binary_cross_entropy_with_logits": loss(lambda t: F.binary_cross_entropy_with_logits(t, binary)),
        "binary_cross_entropy": loss(lambda t: F.binary_cross_entropy(t, binary), probs),
        "mse_loss": loss(lambda t: F.mse_loss(t, target)),
        "l1_loss": loss(lambda t: F.l1_loss(t, target)),
    }


def run(quick: bool = False, test: bool = False) -> str:
    N, C = (4, 8) if test else (256, 1024)
    repeats = 2 if test else 20 if quick else 60
    t = interleaved(_cases(N, C), repeats=repeats, warmup=1 if test else 3)
    base = t["relu"]
    rows = [[name, f"{s * 1e6:,.0f} us", f"{s / base:.2f}x"] for name, s in t.items()]
    return table(f"Activations and losses, forward + backward on {N} x {C} float32 (median, interleaved)",
                 ["op", "time", "/ ReLU"], rows)
