"""Peak memory of one training step (tracemalloc sees NumPy's buffers) against what the step must hold,
and flatness over many steps."""
from __future__ import annotations

import tracemalloc

import numpy as np


def run(quick: bool = False) -> str:
    import chainrule as cr
    from .common import table
    rows = []
    configs = [((3072, 512, 10, 256), 200 if quick else 2000), ((3072, 1024, 10, 1024), 100)]
    for (D, H, C, N), steps in configs[: 1 if quick else 2]:
        cr.manual_seed(0)
        model = cr.nn.MLP(D, [H], C)
        opt = cr.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
        rng = np.random.default_rng(0)
        X = cr.Tensor(rng.standard_normal((N, D)).astype(np.float32))
        y = rng.integers(0, C, N)

        def step():
            loss = cr.nn.functional.cross_entropy(model(X), y) + cr.nn.l2_penalty(model, 1e-3)
            opt.zero_grad()
            loss.backward()
            opt.step()

        step()  # momentum buffers now exist
        params = sum(p.data.nbytes for p in model.parameters())
        # needed: parameters + their gradients + momentum buffers + activations kept for backward
        # (hidden pre/post-activation share one buffer here: relu keeps its output) + scores/probabilities
        activations = 4 * (N * H + 2 * N * C)
        needed = 3 * params + activations
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        step()
        after_first, peak = tracemalloc.get_traced_memory()
        for _ in range(steps):
            step()
        end, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # tracemalloc counts only allocations made while tracing: the model and optimizer state existed before
        resident = params * 2  # parameters + momentum buffers, alive before tracing started
        rows.append([f"{D}-{H}-{C}, {N}", f"{needed / 2**20:.1f}", f"{(peak - base + resident) / 2**20:.1f}",
                     f"{(peak - base + resident) / needed:.2f}x", f"{(end - after_first) / 2**20:+.2f} after {steps} more steps"])
    return table("Peak memory of a training step (MiB)",
                 ["D-H-C, batch", "needed", "peak", "peak / needed", "growth"], rows)
