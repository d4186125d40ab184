"""Python overhead per op: a chain of elementwise multiplies on a 4x4 tensor, forward + backward."""
from __future__ import annotations

import numpy as np

from .common import median_seconds, table, try_import_torch

CHAIN = 200


def _per_op(fn, repeats):
    return median_seconds(fn, repeats, warmup=1) / CHAIN * 1e6


def run(quick: bool = False, test: bool = False) -> str:
    import chainrule as cr
    repeats = 20 if quick else 100
    a = np.ones((4, 4), np.float32)

    def numpy_forward():
        y = a
        for _ in range(CHAIN):
            y = y * 1.0001

    x = cr.tensor(a, requires_grad=True)

    def chainrule_fwd_bwd():
        y = x
        for _ in range(CHAIN):
            y = y * 1.0001
        y.sum().backward()
        x.grad = None

    def chainrule_no_grad():
        with cr.no_grad():
            y = x
            for _ in range(CHAIN):
                y = y * 1.0001

    rows = [["NumPy, forward only", f"{_per_op(numpy_forward, repeats):.2f}"],
            ["chainrule, forward under no_grad", f"{_per_op(chainrule_no_grad, repeats):.2f}"],
            ["chainrule, forward + backward", f"{_per_op(chainrule_fwd_bwd, repeats):.2f}"]]
    torch = try_import_torch()
    if torch is not None:
        xt = torch.ones((4, 4), requires_grad=True)

        def torch_fwd_bwd():
            y = xt
            for _ in range(CHAIN):
                y = y * 1.0001
            y.sum().backward()
            xt.grad = None
        rows.append(["PyTorch eager, forward + backward", f"{_per_op(torch_fwd_bwd, repeats):.2f}"])
    return table("Overhead per op on a 4x4 tensor (microseconds, median)", ["what", "us per op"], rows)
