"""`chainrule.train.fit`: the small loop the lecture experiments train with, checked against the loop written out."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import MLP
from chainrule.train import fit


def _data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(10, 3)).astype(np.float32), rng.integers(0, 2, 10)


@pytest.mark.parametrize("reg", [0.0, 1e-2])
def test_fit_is_the_loop_written_out_and_returns_each_epochs_mean_data_loss(reg):
    X, y = _data()
    batches = [(X[:6], y[:6]), (X[6:], y[6:])]
    cr.manual_seed(0)
    model = MLP(3, [5], 2)
    cr.manual_seed(0)
    twin = MLP(3, [5], 2)
    losses = fit(model, cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), batches, epochs=3, reg=reg)
    opt, expected = cr.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9), []
    for _ in range(3):
        total = 0.0
        for xb, yb in batches:
            data = cr.nn.functional.cross_entropy(twin(cr.tensor(xb)), yb)
            loss = data + cr.nn.l2_penalty(twin, reg) if reg else data
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += data.item() * len(yb)
        expected.append(total / len(y))
    assert losses == expected
    for a, b in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert not model.training


def test_fit_takes_fresh_batches_each_epoch_and_reports_a_one_batch_epoch_exactly():
    X, y = _data()
    model = MLP(3, [4], 2)
    asked, seen = [], []
    losses = fit(model, cr.optim.Adam(model.parameters(), lr=1e-2),
                 lambda epoch: asked.append(epoch) or [(X, y)], epochs=4, on_epoch=lambda e, m: seen.append(e))
    assert asked == seen == [1, 2, 3, 4] and len(losses) == 4
    with cr.no_grad():
        after = cr.nn.functional.cross_entropy(model(cr.tensor(X)), y).item()
    assert after < losses[0]
