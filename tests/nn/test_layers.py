"""Layers and activations: float64 gradchecks, PyTorch oracles, Linear's default init, Dropout, MLP."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.errors import ConfigError, ShapeError

rng = np.random.default_rng(7)


def t64(*shape, scale=1.0, grad=True):
    return cr.tensor(rng.standard_normal(shape) * scale, dtype=np.float64, requires_grad=grad)


def away_from_zero(*shape):
    return cr.tensor(rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape), dtype=np.float64,
                     requires_grad=True)


# --- Linear -------------------------------------------------------------------------------------------------

def test_linear_shapes_and_formula():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x = cr.randn(5, 4)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data, rtol=1e-6)
    assert nn.Linear(4, 3, bias=False).bias is None
    with pytest.raises(ShapeError, match="last dimension must be 4"):
        layer(cr.randn(5, 3))
    with pytest.raises(ConfigError):
        nn.Linear(-1, 3)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck_float64(bias):
    layer = nn.Linear(4, 3, bias=bias, dtype=np.float64)
    x = t64(5, 4)
    params = list(layer.parameters())
    assert cr.gradcheck(lambda x_, *ps: layer(x_), [x, *params])


def test_linear_gradcheck_batched_input():
    layer = nn.Linear(3, 2, dtype=np.float64)
    x = t64(2, 4, 3)
    assert cr.gradcheck(lambda x_, w, b: layer(x_), [x, layer.weight, layer.bias])


def test_linear_default_init_matches_pytorch_rule():
    cr.manual_seed(1)
    fan_in = 400
    layer = nn.Linear(fan_in, 300)
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.data, layer.bias.data
    assert w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # fills the interval, not a smaller one
    # U(-b, b) has variance b^2 / 3 = 1 / (3 fan_in); 120000 samples -> relative s.e. ~ 0.4%
    assert w.var() == pytest.approx(1 / (3 * fan_in), rel=0.03)
    assert abs(w.mean()) < 4 * math.sqrt(1 / (3 * fan_in) / w.size)


def test_linear_default_init_same_distribution_as_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tw = torch.nn.Linear(200, 500).weight.detach().numpy()
    ours = nn.Linear(200, 500).weight.data
    assert ours.var() == pytest.approx(tw.var(), rel=0.05)
    assert np.abs(ours).max() == pytest.approx(np.abs(tw).max(), rel=0.01)


def test_linear_matches_torch_values_and_gradients():
    torch = pytest.importorskip("torch")
    layer = nn.Linear(6, 4, dtype=np.float64)
    ref = torch.nn.Linear(6, 4, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.weight.data))
        ref.bias.copy_(torch.from_numpy(layer.bias.data))
    x = rng.standard_normal((3, 6))
    g = rng.standard_normal((3, 4))
    xt = torch.tensor(x, requires_grad=True)
    ref(xt).backward(torch.from_numpy(g))
    xc = cr.tensor(x, requires_grad=True)
    layer(xc).backward(g)
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.data, ref.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.data, ref.bias.grad.numpy(), rtol=1e-12)


# --- Flatten / Identity -----------------------------------------------------------------------------------

def test_flatten_and_identity():
    x = t64(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert cr.gradcheck(lambda a: nn.Flatten()(a), [x])
    assert nn.Identity(3, unused=True)(x) is x
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


# --- activations --------------------------------------------------------------------------------------------

ACTS = [
    ("ReLU", {}, "relu", lambda: away_from_zero(4, 5)),
    ("LeakyReLU", {"negative_slope": 0.2}, "leaky_relu", lambda: away_from_zero(4, 5)),
    ("ELU", {"alpha": 1.5}, "elu", lambda: away_from_zero(4, 5)),
    ("GELU", {}, "gelu", lambda: t64(4, 5, scale=2)),
    ("GELU", {"approximate": "tanh"}, "gelu", lambda: t64(4, 5, scale=2)),
    ("SiLU", {}, "silu", lambda: t64(4, 5, scale=2)),
    ("Sigmoid", {}, "sigmoid", lambda: t64(4, 5, scale=3)),
    ("Tanh", {}, "tanh", lambda: t64(4, 5, scale=2)),
    ("Softplus", {}, "softplus", lambda: t64(4, 5, scale=3)),
    ("Softplus", {"beta": 2.0, "threshold": 3.0}, "softplus", lambda: t64(4, 5, scale=1)),
]


@pytest.mark.parametrize("cls,kwargs,name,make", ACTS, ids=[f"{a[0]}{a[1]}" for a in ACTS])
def test_activation_gradcheck_and_torch(cls, kwargs, name, make):
    module = getattr(nn, cls)(**kwargs)
    x = make()
    assert cr.gradcheck(lambda a: module(a), [x])
    torch = pytest.importorskip("torch")
    ref = getattr(torch.nn, cls)(**kwargs)
    xt = torch.tensor(x.data, requires_grad=True)
    g = rng.standard_normal(x.shape)
    out_t = ref(xt)
    out_t.backward(torch.from_numpy(g))
    xc = cr.tensor(x.data, requires_grad=True)
    out = module(xc)
    out.backward(g)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_activation_by_name():
    assert nn.activation_by_name("relu") is nn.ReLU
    assert nn.activation_by_name("ReLU") is nn.ReLU
    assert nn.activation_by_name("leaky-relu") is nn.LeakyReLU
    assert nn.activation_by_name("swish") is nn.SiLU
    assert nn.activation_by_name(None) is nn.Identity
    assert nn.activation_by_name("none") is nn.Identity
    for key, cls in nn.ACTIVATIONS.items():
        assert nn.activation_by_name(key) is cls
    with pytest.raises(ConfigError, match="valid names: relu, leaky_relu, elu, gelu, silu, sigmoid, tanh"):
        nn.activation_by_name("relux")
    with pytest.raises(ConfigError):
        nn.activation_by_name(3)


def test_activation_reprs():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    with pytest.raises(ConfigError):
        nn.GELU("fast")


# --- Dropout ------------------------------------------------------------------------------------------------

def test_dropout_preserves_expectation_and_rate():
    x = cr.ones(400, 500)
    for p in (0.1, 0.5, 0.8):
        y = F.dropout(x, p, training=True).data
        kept = y != 0
        assert y.dtype == np.float32
        np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
        n = y.size
        assert kept.mean() == pytest.approx(1 - p, abs=5 * math.sqrt(p * (1 - p) / n))
        assert y.mean() == pytest.approx(1.0, abs=5 * math.sqrt(p / (1 - p) / n))


def test_dropout_eval_is_identity_and_edge_probabilities():
    d = nn.Dropout(0.5)
    x = cr.randn(10, 10)
    d.eval()
    assert d(x) is x
    d.train()
    assert d(x) is not x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).data == 0)
    with pytest.raises(ValueError):
        F.dropout(x, 1.5)
    with pytest.raises(ConfigError):
        nn.Dropout(-0.1)


def test_dropout_same_seed_same_mask():
    x = cr.ones(50, 60)
    cr.manual_seed(123)
    a = nn.Dropout(0.3)(x).data
    b = nn.Dropout(0.3)(x).data
    cr.manual_seed(123)
    c = nn.Dropout(0.3)(x).data
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


def test_dropout_gradient_is_the_mask():
    x = cr.tensor(rng.standard_normal((30, 40)), dtype=np.float64, requires_grad=True)
    cr.manual_seed(5)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    mask = y.data / x.data
    np.testing.assert_allclose(x.grad.data, mask, rtol=1e-12)
    assert set(np.unique(np.round(mask, 12))) <= {0.0, round(1 / 0.6, 12)}
    # gradcheck with the mask fixed by reseeding before every call
    def fn(a):
        cr.manual_seed(9)
        return F.dropout(a, 0.5)
    assert cr.gradcheck(fn, [t64(6, 7)])


# --- MLP ----------------------------------------------------------------------------------------------------

def test_mlp_linear_classifier_and_two_layer_net():
    lin = nn.MLP(3072, [], 10)
    assert len(lin) == 1 and isinstance(lin[0], nn.Linear) and lin.num_parameters() == 3072 * 10 + 10
    two = nn.MLP(3072, [100], 10)
    assert [type(m).__name__ for m in two] == ["Linear", "ReLU", "Linear"]
    assert two.num_parameters() == 3072 * 100 + 100 + 100 * 10 + 10
    assert [n for n, _ in two.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert two(cr.randn(7, 3072)).shape == (7, 10)
    assert two.get_config() == {"in_features": 3072, "hidden": [100], "out_features": 10, "activation": "relu",
                                "dropout": 0.0, "bias": True}


@pytest.mark.parametrize("activation", list(nn.ACTIVATIONS) + [None])
def test_mlp_every_activation(activation):
    m = nn.MLP(5, [4, 3], 2, activation=activation, dropout=0.25)
    kinds = [type(x).__name__ for x in m]
    expected_act = nn.activation_by_name(activation).__name__
    if expected_act == "Identity":
        assert kinds == ["Linear", "Dropout", "Linear", "Dropout", "Linear"]
        assert m.activation is None
    else:
        assert kinds == ["Linear", expected_act, "Dropout", "Linear", expected_act, "Dropout", "Linear"]
    assert m(cr.randn(3, 5)).shape == (3, 2)


def test_mlp_gradcheck_float64():
    m = nn.MLP(4, [5], 3, activation="tanh", dtype=np.float64)
    x = t64(6, 4)
    assert cr.gradcheck(lambda a, *ps: m(a), [x, *m.parameters()])


def test_mlp_without_activation_collapses_to_one_linear_map():
    m = nn.MLP(6, [5, 4], 3, activation=None, dtype=np.float64)
    w, b = m.collapsed()
    assert w.shape == (3, 6)
    x = t64(8, 6, grad=False)
    np.testing.assert_allclose(m(x).data, x.data @ w.T + b, rtol=1e-12)
    with pytest.raises(ConfigError, match="not a single linear map"):
        nn.MLP(6, [5], 3).collapsed()


def test_mlp_bad_configs():
    with pytest.raises(ConfigError, match="unknown activation 'sigmoidd'; valid names"):
        nn.MLP(4, [3], 2, activation="sigmoidd")
    with pytest.raises(ConfigError):
        nn.MLP(4, [0], 2)
    with pytest.raises(TypeError):                 # as torch.nn.Linear("a", 2)
        nn.MLP(4, ["a"], 2)
    with pytest.raises(TypeError, match="must be an integer"):   # 1e9 from a JSON file: not a width
        nn.MLP(4, [1e9], 2)
    with pytest.raises(ConfigError):
        nn.MLP(4, [3], 2, dropout=1.0)
    assert nn.MLP(4, 3, 2).hidden == [3]


def test_mlp_dtype_follows_default(restore=None):
    cr.set_default_dtype(np.float64)
    try:
        m = nn.MLP(3, [2], 1)
        assert all(p.dtype == np.float64 for p in m.parameters())
    finally:
        cr.set_default_dtype(np.float32)
    assert all(p.dtype == np.float32 for p in nn.MLP(3, [2], 1).parameters())
