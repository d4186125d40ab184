"""Memory stays flat over 10,000 training steps: graphs, saved buffers and intermediate gradients are
released after every step."""
import gc
import tracemalloc

import numpy as np

import chainrule as cr


def test_ten_thousand_training_steps_keep_memory_flat():
    cr.manual_seed(0)
    data = cr.data.spiral(n_per_class=32, n_classes=3, seed=0)
    X, y = cr.Tensor(data.X), data.y
    model = cr.nn.MLP(2, [32], 3, dropout=0.1)
    opt = cr.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = cr.nn.functional.cross_entropy(model(X), y) + cr.nn.l2_penalty(model, 1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    for _ in range(200):
        step()
    gc.collect()
    tracemalloc.start()
    start, _ = tracemalloc.get_traced_memory()
    for _ in range(10_000):
        loss = step()
    del loss
    end, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert end - start < 64 * 1024, f"memory grew by {end - start} bytes over 10,000 steps"


def test_a_dropped_loss_frees_its_whole_graph_without_the_cycle_collector():
    gc.disable()
    try:
        model = cr.nn.MLP(8, [16], 2)
        x = cr.randn(4, 8)
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(100):
            loss = cr.nn.functional.cross_entropy(model(x), np.array([0, 1, 0, 1]))
        del loss
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert after - before < 16 * 1024
    finally:
        gc.enable()
