"""No blessed path: each natural spelling against chainrule's fused form of the same thing, forward + backward.

- ``(W * W).sum()`` against ``l2_penalty`` (one ``sumsq`` node), on the 3072-512 weight;
- ``x @ W.T + b`` against ``F.linear``, batch 256, 3072 -> 512;
- ``-log_softmax(s)[range(N), y].mean()`` against ``F.cross_entropy``, 256 x 10 scores;
- the lecture's ``0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())`` against ``l2_penalty`` of both.

Interleaved in one run, float32, 1 BLAS thread; the ratio is natural / fused.
"""
from __future__ import annotations

import numpy as np

from .common import interleaved, table


def _pairs(N, D, H, C):
    import chainrule as cr
    F = cr.nn.functional
    rng = np.random.default_rng(0)
    W = cr.tensor((rng.standard_normal((H, D)) * 0.01).astype(np.float32), requires_grad=True)
    W2 = cr.tensor((rng.standard_normal((C, H)) * 0.01).astype(np.float32), requires_grad=True)
    b = cr.tensor(np.zeros(H, np.float32), requires_grad=True)
    x = cr.Tensor(rng.standard_normal((N, D)).astype(np.float32))
    g = rng.standard_normal((N, H)).astype(np.float32)
    s = cr.tensor(rng.standard_normal((N, C)).astype(np.float32), requires_grad=True)
    y = rng.integers(0, C, N)
    reg = 1e-3

    def run(make, *leaves):
        def fn():
            out = make()
            out.backward(g if out.ndim else None)
            for t in leaves:
                t.grad = None
        return fn

    return {
        "(W * W).sum() vs l2_penalty": (run(lambda: (W * W).sum(), W), run(lambda: cr.nn.l2_penalty([W], 1.0), W)),
        "x @ W.T + b vs F.linear": (run(lambda: x @ W.T + b, W, b), run(lambda: F.linear(x, W, b), W, b)),
        "-log_softmax(s)[range(N), y].mean() vs F.cross_entropy":
            (run(lambda: -F.log_softmax(s, axis=1)[range(N), y].mean(), s), run(lambda: F.cross_entropy(s, y), s)),
        "0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum()) vs l2_penalty":
            (run(lambda: 0.5 * reg * ((W * W).sum() + (W2 * W2).sum()), W, W2),
             run(lambda: cr.nn.l2_penalty([W, W2], 0.5 * reg), W, W2)),
    }


def run(quick: bool = False, test: bool = False) -> str:
    N, D, H, C = (4, 12, 8, 3) if test else (256, 3072, 512, 10)
    repeats = 2 if test else 30 if quick else 100
    rows = []
    for what, (natural, fused) in _pairs(N, D, H, C).items():
        t = interleaved({"natural": natural, "fused": fused}, repeats=repeats, warmup=1 if test else 3)
        rows.append([what, f"{t['natural'] * 1e6:,.0f} us", f"{t['fused'] * 1e6:,.0f} us",
                     f"{t['natural'] / t['fused']:.2f}x"])
    return table(f"Natural spelling vs fused op, forward + backward (median, float32, N={N}, D={D}, H={H}, C={C})",
                 ["natural vs fused", "natural", "fused", "natural / fused"], rows)
