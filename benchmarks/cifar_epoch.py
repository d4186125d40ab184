"""One full epoch of CIFAR-10 (JPEG copy), 3072-512-10, batch 256, including data loading (shuffling,
batching, float32 conversion), against PyTorch on the same arrays. Decoding is cached beforehand."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from .common import table, try_import_torch

TAR = Path(os.environ.get("CHAINRULE_CIFAR_TAR", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
                          / "cifar10-jpeg.tar"))
H, BATCH, LR, REG = 512, 256, 1e-2, 1e-3


def run(quick: bool = False) -> str:
    import chainrule as cr
    if not TAR.exists():
        return f"\n### CIFAR-10 (JPEG copy) epoch\n\nskipped: {TAR} not found (set CHAINRULE_CIFAR_TAR)"
    start = time.perf_counter()
    splits = cr.data.load_dataset(f"folder:{TAR}")
    load_s = time.perf_counter() - start
    train = splits.train
    n = 10_000 if quick else len(train)
    X, y = train.X[:n], train.y[:n]
    D, C = X.shape[1], len(train.classes)

    cr.manual_seed(0)
    model = cr.nn.MLP(D, [H], C)
    opt = cr.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    loader = cr.data.DataLoader(cr.data.Dataset(X, y, classes=train.classes), batch_size=BATCH, shuffle=True, seed=0)
    start = time.perf_counter()
    for xb, yb in loader:
        loss = cr.nn.functional.cross_entropy(model(cr.Tensor(xb)), yb) + cr.nn.l2_penalty(model, REG)
        opt.zero_grad()
        loss.backward()
        opt.step()
    ours = time.perf_counter() - start
    rows = [["chainrule", f"{ours:.1f} s", f"{n / ours:,.0f}"]]

    torch = try_import_torch()
    if torch is not None:
        torch.manual_seed(0)
        tm = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, C))
        topt = torch.optim.SGD(tm.parameters(), lr=LR, momentum=0.9)
        weights = [tm[0].weight, tm[2].weight]
        order_rng = np.random.default_rng(0)
        start = time.perf_counter()
        order = order_rng.permutation(n)
        for i in range(0, n, BATCH):
            idx = order[i:i + BATCH]
            xb, yb = torch.from_numpy(X[idx]), torch.from_numpy(y[idx])
            loss = torch.nn.functional.cross_entropy(tm(xb), yb) + REG * sum((w * w).sum() for w in weights)
            topt.zero_grad(set_to_none=True)
            loss.backward()
            topt.step()
        theirs = time.perf_counter() - start
        rows.append(["PyTorch eager", f"{theirs:.1f} s", f"{n / theirs:,.0f}"])
    return table(f"One epoch of CIFAR-10 (JPEG copy), {n:,} images, 3072-{H}-10, batch {BATCH} "
                 f"(cached load took {load_s:.1f} s)", ["library", "epoch time", "samples / s"], rows)
