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


def _live_tensors():
    return sum(1 for o in gc.get_objects() if isinstance(o, cr.Tensor))


def test_no_tensor_or_node_outlives_its_step_without_the_cycle_collector():
    """Weak references to everything a step creates (scores, hidden activations, loss, the graph's nodes, the
    gradients' tensors) are all dead once the step's names go away, with the cycle collector off; the number of
    live Tensor objects is the same after 1,000 steps as after 10."""
    import weakref
    cr.manual_seed(0)
    data = cr.data.spiral(n_per_class=16, n_classes=3, seed=0)
    X, y = cr.Tensor(data.X), data.y
    model = cr.nn.MLP(2, [16, 16], 3, activation="tanh", dropout=0.1)
    opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=1000)

    def step():
        hidden = model[0](X)
        scores = model[1:](hidden)
        loss = cr.nn.functional.cross_entropy(scores, y) + cr.nn.l2_penalty(model, 1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        nodes = [loss.grad_fn, scores.grad_fn, hidden.grad_fn]
        return [weakref.ref(t) for t in (hidden, scores, loss, *nodes)]

    gc.collect()
    gc.disable()
    try:
        counts = {}
        for i in range(1, 1001):
            refs = step()
            dead = [r() is None for r in refs]
            assert all(dead), f"step {i}: {dead.count(False)} of {len(refs)} objects still alive"
            if i in (10, 1000):
                counts[i] = _live_tensors()
        assert counts[1000] == counts[10], counts
    finally:
        gc.enable()
