"""One full training step of the 2-layer net: forward, softmax cross-entropy + L2, backward, SGD update.

Contenders, float32, no gradient for the input batch, all with the same loss (``REG * sum(W**2)`` over the
weights):

- hand-written NumPy (CS231n style, in-place updates);
- chainrule written as the lecture does (``X @ W1 + b1``, ``.relu()``, ``F.cross_entropy``,
  ``0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())``, the update under ``no_grad``);
- chainrule ``nn.MLP`` + ``l2_penalty`` + ``optim.SGD``;
- chainrule written as a PyTorch user does (``Sequential(Linear, ReLU, Linear)``, ``(w * w).sum()``,
  ``zero_grad`` / ``backward`` / ``opt.step()``);
- PyTorch eager, the same PyTorch-style code;
- the five matmuls of the step alone (two forward, three backward): the BLAS floor.

At 1 thread they run interleaved (noise hits all alike); at 1 and 2 threads each also runs alone, back to
back (PyTorch's OpenMP threads spin between ops and would slow whatever runs beside them).
"""
from __future__ import annotations

import numpy as np

from .common import blas_threads, interleaved, separate, table, try_import_torch

CONFIGS = [(3072, 100, 10, 64), (3072, 512, 10, 256), (3072, 1024, 10, 1024)]
TEST_CONFIGS = [(12, 8, 3, 4)]
REG, LR = 1e-3, 1e-3


def _init(D, H, C):
    rng = np.random.default_rng(0)
    return ((rng.standard_normal((H, D)) * 0.01).astype(np.float32), np.zeros(H, np.float32),
            (rng.standard_normal((C, H)) * 0.01).astype(np.float32), np.zeros(C, np.float32))


def mlp_step(D, H, C, N, X, y):
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


def lecture_step(D, H, C, N, X, y):
    import chainrule as cr
    F = cr.nn.functional
    W1, b1, W2, b2 = (cr.tensor(a.T.copy() if a.ndim == 2 else a, requires_grad=True) for a in _init(D, H, C))
    params = [W1, b1, W2, b2]
    x, reg = cr.Tensor(X), 2 * REG

    def step():
        h = (x @ W1 + b1).relu()
        scores = h @ W2 + b2
        loss = F.cross_entropy(scores, y) + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
        for p in params:
            p.grad = None
        loss.backward()
        with cr.no_grad():
            for p in params:
                p -= LR * p.grad
    return step


def pytorch_style_step(D, H, C, N, X, y):
    import chainrule as cr
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(D, H), cr.nn.ReLU(), cr.nn.Linear(H, C))
    opt = cr.optim.SGD(model.parameters(), lr=LR)
    x = cr.Tensor(X)
    weights = [model[0].weight, model[2].weight]

    def step():
        loss = cr.nn.functional.cross_entropy(model(x), y) + REG * sum((w * w).sum() for w in weights)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def numpy_step(D, H, C, N, X, y):
    W1, b1, W2, b2 = _init(D, H, C)
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


def floor_step(D, H, C, N, X, y):
    """The five matmuls of a step and nothing else: no step can be faster with the same BLAS."""
    W1, _, W2, _ = _init(D, H, C)
    p = np.full((N, C), 1.0 / C, np.float32)

    def step():
        h = X @ W1.T
        s = h @ W2.T  # noqa: F841
        dW2 = p.T @ h  # noqa: F841
        dh = p @ W2
        dW1 = dh.T @ X  # noqa: F841
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


NAMES = {"numpy": "hand-written NumPy", "lecture": "lecture-style", "mlp": "MLP + l2_penalty",
         "pytorch_style": "PyTorch-style", "torch": "PyTorch eager", "floor": "matmuls alone (floor)"}


def _contenders(torch, D, H, C, N, X, y):
    fns = {"numpy": numpy_step(D, H, C, N, X, y), "lecture": lecture_step(D, H, C, N, X, y),
           "mlp": mlp_step(D, H, C, N, X, y), "pytorch_style": pytorch_style_step(D, H, C, N, X, y)}
    if torch is not None:
        fns["torch"] = torch_step(torch, D, H, C, N, X, y)
    fns["floor"] = floor_step(D, H, C, N, X, y)
    return fns


def _row(label, t):
    base = t["numpy"]
    row = [label, f"{base * 1e3:.2f} ms"]
    for name in NAMES:
        if name != "numpy":
            row.append(f"{t[name] * 1e3:.2f} ms ({t[name] / base:.2f}x)" if name in t else "not installed")
    row.append(f"{t['lecture'] / t['mlp']:.2f}x")
    row.append(f"{t['mlp'] / t['torch']:.2f}x / {t['lecture'] / t['torch']:.2f}x" if "torch" in t else "-")
    row.append(f"{t['mlp'] / t['floor']:.2f}x")
    return row


def run(quick: bool = False, test: bool = False) -> str:
    torch = try_import_torch()
    configs = TEST_CONFIGS if test else CONFIGS[:2] if quick else CONFIGS
    tables = {"interleaved, 1 thread": [], "each alone, 1 thread": [], "each alone, 2 threads": []}
    for D, H, C, N in configs:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((N, D)).astype(np.float32)
        y = rng.integers(0, C, N)
        fns = _contenders(torch, D, H, C, N, X, y)
        flops = 6 * N * (D * H + H * C)
        repeats = 2 if test else max(5, min(500, int(5e10 / flops)) // (4 if quick else 1))
        warmup = 1 if test else 3
        label = f"{D}-{H}-{C}, {N}"
        tables["interleaved, 1 thread"].append(_row(label, interleaved(fns, repeats=repeats, warmup=warmup)))
        tables["each alone, 1 thread"].append(_row(label, separate(fns, repeats=repeats, warmup=warmup)))
        with blas_threads(torch, 2):
            tables["each alone, 2 threads"].append(_row(label, separate(fns, repeats=repeats, warmup=warmup)))
    header = (["D-H-C, batch"] + list(NAMES.values())
              + ["lecture / MLP", "vs PyTorch (MLP / lecture)", "MLP / floor"])
    return "\n".join(table(f"Training step of the 2-layer net (median, float32, {how})", header, rows)
                     for how, rows in tables.items())
