"""One full training step of the 2-layer net: forward, softmax cross-entropy + L2, backward, SGD update.

chainrule (MLP + l2_penalty + SGD, as a user writes it) against a hand-written CS231n-style NumPy step
and PyTorch CPU eager, float32, interleaved in one run. No one computes a gradient for the input batch.
"""
from __future__ import annotations

import numpy as np

from .common import interleaved, separate, table, try_import_torch

CONFIGS = [(3072, 100, 10, 64), (3072, 512, 10, 256), (3072, 1024, 10, 1024)]
REG, LR = 1e-3, 1e-3


def chainrule_step(D, H, C, N, X, y):
    import chainrule as cr
    cr.manual_seed(0)
    model = cr.nn.MLP(D, [H], C)
    opt = cr.optim.SGD(model.parameters(), lr=LR)
    x = cr.Tensor(X)

    def step():
        loss = cr.nn.functional.cross_entropy(model(x), y) + cr.nn.l2_penalty(model, REG)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def numpy_step(D, H, C, N, X, y):
    rng = np.random.default_rng(0)
    W1 = (rng.standard_normal((H, D)) * 0.01).astype(np.float32)
    b1 = np.zeros(H, np.float32)
    W2 = (rng.standard_normal((C, H)) * 0.01).astype(np.float32)
    b2 = np.zeros(C, np.float32)
    rows = np.arange(N)

    def step():
        h = X @ W1.T
        h += b1
        np.maximum(h, 0, out=h)
        s = h @ W2.T
        s += b2
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, y]).mean() + REG * (np.vdot(W1, W1) + np.vdot(W2, W2))  # noqa: F841
        p[rows, y] -= 1
        p /= N
        dW2 = p.T @ h
        dW2 += (2 * REG) * W2
        db2 = p.sum(axis=0)
        dh = p @ W2
        dh *= h > 0
        dW1 = dh.T @ X
        dW1 += (2 * REG) * W1
        db1 = dh.sum(axis=0)
        for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
            param -= LR * grad
    return step


def torch_step(torch, D, H, C, N, X, y):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, C))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    weights = [model[0].weight, model[2].weight]

    def step():
        loss = torch.nn.functional.cross_entropy(model(xt), yt) + REG * sum((w * w).sum() for w in weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def _row(label, t, torch):
    base = t["numpy"]
    row = [label, f"{base * 1e3:.2f} ms", f"{t['chainrule'] * 1e3:.2f} ms ({t['chainrule'] / base:.2f}x)"]
    row.append(f"{t['torch'] * 1e3:.2f} ms ({t['torch'] / base:.2f}x)" if torch is not None else "not installed")
    row.append(f"{t['chainrule'] / t['torch']:.2f}x" if torch is not None else "-")
    return row


def run(quick: bool = False) -> str:
    torch = try_import_torch()
    rows, alone = [], []
    for D, H, C, N in (CONFIGS[:2] if quick else CONFIGS):
        rng = np.random.default_rng(0)
        X = rng.standard_normal((N, D)).astype(np.float32)
        y = rng.integers(0, C, N)
        fns = {"numpy": numpy_step(D, H, C, N, X, y), "chainrule": chainrule_step(D, H, C, N, X, y)}
        if torch is not None:
            fns["torch"] = torch_step(torch, D, H, C, N, X, y)
        flops = 6 * N * (D * H + H * C)
        repeats = max(5, min(500, int(5e10 / flops)) // (4 if quick else 1))
        label = f"{D}-{H}-{C}, {N}"
        rows.append(_row(label, interleaved(fns, repeats=repeats), torch))
        alone.append(_row(label, separate(fns, repeats=repeats), torch))
    header = ["D-H-C, batch", "hand-written NumPy", "chainrule", "PyTorch eager", "chainrule / PyTorch"]
    return (table("Training step of the 2-layer net (median, float32, 1 thread, interleaved)", header, rows)
            + "\n" + table("The same, each contender run alone (back to back: caches stay warm for it)",
                            header, alone))
