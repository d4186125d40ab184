"""nn.init: gains as PyTorch, sample variances against the He and Glorot formulas, seeding, in-place fills."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import init


def _rel_se_of_variance(n):
    """Relative standard error of a sample variance of n normal draws: sqrt(2 / (n - 1))."""
    return math.sqrt(2.0 / (n - 1))


@pytest.mark.parametrize("nonlinearity,param", [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                                                ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0),
                                                ("selu", None), ("conv2d", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_known_values_and_errors():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swishy")
    with pytest.raises(ValueError):
        init.calculate_gain("leaky_relu", "a")


def test_kaiming_normal_variance_is_two_over_fan_in():
    cr.manual_seed(0)
    w = cr.zeros(256, 512)
    assert init.kaiming_normal_(w, nonlinearity="relu") is w
    n = w.size
    assert w.data.var() == pytest.approx(2 / 512, rel=4 * _rel_se_of_variance(n))
    assert abs(w.data.mean()) < 4 * math.sqrt(2 / 512 / n)


def test_kaiming_uniform_variance_and_bound():
    cr.manual_seed(1)
    w = cr.zeros(300, 200, dtype=np.float64)
    init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(200)
    assert np.abs(w.data).max() <= bound
    # Var of U(-b, b) = b^2/3 = 2/fan_in; its relative s.e. is sqrt(0.8 / n) for uniform samples
    assert w.data.var() == pytest.approx(2 / 200, rel=4 * math.sqrt(0.8 / w.size))


def test_kaiming_fan_out_and_conv_shapes():
    cr.manual_seed(2)
    w = cr.zeros(64, 16, 3, 3)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert w.data.var() == pytest.approx(2 / (64 * 9), rel=4 * _rel_se_of_variance(w.size))
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(w, mode="fan_middle")


def test_xavier_variances():
    cr.manual_seed(3)
    a = cr.zeros(400, 600)
    init.xavier_normal_(a)
    assert a.data.var() == pytest.approx(2 / 1000, rel=4 * _rel_se_of_variance(a.size))
    b = cr.zeros(400, 600)
    init.xavier_uniform_(b, gain=init.calculate_gain("tanh"))
    bound = 5 / 3 * math.sqrt(6 / 1000)
    assert np.abs(b.data).max() <= bound
    assert b.data.var() == pytest.approx((5 / 3) ** 2 * 2 / 1000, rel=4 * math.sqrt(0.8 / b.size))


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.kaiming_uniform_(cr.zeros(5))


def test_simple_fills_and_seeding():
    t = cr.zeros(3, 4)
    init.ones_(t)
    assert np.all(t.data == 1)
    init.zeros_(t)
    assert np.all(t.data == 0)
    init.constant_(t, 2.5)
    assert np.all(t.data == 2.5)
    cr.manual_seed(42)
    a = init.normal_(cr.zeros(1000), mean=3.0, std=0.5).data.copy()
    cr.manual_seed(42)
    b = init.normal_(cr.zeros(1000), mean=3.0, std=0.5).data
    np.testing.assert_array_equal(a, b)
    assert a.mean() == pytest.approx(3.0, abs=4 * 0.5 / math.sqrt(1000))
    u = init.uniform_(cr.zeros(1000), -2, -1).data
    assert u.min() >= -2 and u.max() <= -1
    g = np.random.default_rng(0)
    c = init.normal_(cr.zeros(5), generator=g).data
    np.testing.assert_array_equal(c, np.random.default_rng(0).standard_normal(5, dtype=np.float32))
    tn = init.trunc_normal_(cr.zeros(2000), std=1.0, a=-0.5, b=0.5).data
    assert tn.min() >= -0.5 and tn.max() <= 0.5


def test_init_fills_in_place_and_records_no_graph():
    p = cr.nn.Parameter(np.zeros((4, 3), dtype=np.float32))
    buf = p.data
    init.kaiming_normal_(p)
    assert p.data is buf and p.grad_fn is None and p.dtype == np.float32
    with pytest.raises(TypeError):
        init.zeros_([1, 2])
