"""L2 penalty: value, weights only, gradient 2 lam W, and the weight-decay equivalence."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import ConfigError


def test_l2_penalty_value_and_parameters():
    m = nn.MLP(4, [3], 2, dtype=np.float64)
    lam = 0.3
    expected = lam * sum(float((layer.weight.data ** 2).sum()) for layer in m.linear_layers)
    assert nn.l2_penalty(m, lam).item() == pytest.approx(expected, rel=1e-12)
    assert [n for n, _ in nn.regularized_parameters(m)] == ["0.weight", "2.weight"]
    with_bias = expected + lam * sum(float((layer.bias.data ** 2).sum()) for layer in m.linear_layers)
    assert nn.l2_penalty(m, lam, include_bias=True).item() == pytest.approx(with_bias, rel=1e-12)


def test_l2_penalty_gradient_and_gradcheck():
    m = nn.MLP(4, [3], 2, dtype=np.float64)
    nn.l2_penalty(m, 0.25).backward()
    for layer in m.linear_layers:
        np.testing.assert_allclose(layer.weight.grad.data, 0.5 * layer.weight.data, rtol=1e-12)
        assert layer.bias.grad is None  # biases are not regularized
    ws = [layer.weight for layer in m.linear_layers]
    assert cr.gradcheck(lambda *a: nn.l2_penalty(m, 0.7), ws)


def test_l2_penalty_equals_sgd_weight_decay_two_lambda():
    cr.manual_seed(0)
    a = nn.Linear(3, 2, bias=False, dtype=np.float64)
    b = nn.Linear(3, 2, bias=False, dtype=np.float64)
    b.load_state_dict(a.state_dict())
    x = cr.randn(5, 3, dtype=np.float64)
    lam = 0.1
    opt_a = cr.optim.SGD(a.parameters(), lr=0.1)
    (a(x).sum() + nn.l2_penalty(a, lam)).backward()
    opt_a.step()
    opt_b = cr.optim.SGD(b.parameters(), lr=0.1, weight_decay=2 * lam)
    b(x).sum().backward()
    opt_b.step()
    np.testing.assert_allclose(a.weight.data, b.weight.data, rtol=1e-12)


def test_l2_penalty_validates_lambda_and_accepts_iterables():
    m = nn.Linear(2, 2)
    with pytest.raises(ConfigError):
        nn.l2_penalty(m, -1.0)
    assert nn.l2_penalty([m.weight], 1.0).item() == pytest.approx(float((m.weight.data ** 2).sum()), rel=1e-6)
    assert nn.l2_penalty(nn.Sequential(), 1.0).item() == 0.0
