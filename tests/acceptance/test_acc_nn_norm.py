"""BatchNorm1d, LayerNorm and Embedding against torch, after PyTorch's test/test_nn.py (test_BatchNorm_*,
test_batchnorm_update_stats, test_batchnorm_simple_average, test_batchnorm_buffer_update_when_stats_are_not_tracked,
test_batchnorm_raises_error_if_less_than_one_value_per_channel, test_LayerNorm_general, test_layer_norm_grads,
test_embedding_padding_idx, test_embedding_from_pretrained*, test_embedding_max_norm, test_embedding_functional,
test_state_dict), inside Sequential training and through cr.save/cr.load."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

from acc_helpers import check, close, same_error

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(0)


def _pair(name, *args, **kw):
    """The same module from both libraries in float64, torch's weights copied into ours."""
    mt = getattr(torch.nn, name)(*args, **kw).double()
    mc = getattr(cr.nn, name)(*args, **kw).double()
    mc.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in mt.state_dict().items()})
    return mc, mt


def _same_state(mc, mt):
    sc, st = mc.state_dict(), mt.state_dict()
    assert list(sc) == list(st)
    for k in st:
        assert sc[k].shape == tuple(st[k].shape), k
        assert sc[k].dtype == st[k].numpy().dtype, k
        close(sc[k], st[k].numpy())


def _step(mc, mt, x):
    """One forward and backward of a weighted sum of squares; outputs, input gradients and parameter
    gradients compared."""
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = mc(xc), mt(xt)
    close(yc, yt)
    w = rng.normal(size=tuple(yt.shape))
    (yc * yc * cr.tensor(w)).sum().backward()
    (yt * yt * torch.tensor(w)).sum().backward()
    close(xc.grad, xt.grad)
    for (n, p), (_, q) in zip(mc.named_parameters(), mt.named_parameters()):
        close(p.grad, q.grad)


# --- BatchNorm1d ----------------------------------------------------------------------------------------

BN = [dict(), dict(momentum=None), dict(momentum=0.5, eps=1e-3), dict(affine=False), dict(bias=False),
      dict(track_running_stats=False), dict(affine=False, track_running_stats=False, momentum=None)]


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)], ids=["NC", "NCL"])
@pytest.mark.parametrize("kw", BN, ids=[str(k) for k in BN])
def test_batchnorm1d_train_then_eval(kw, shape):
    """Three training steps (batch statistics, running estimates updated), then eval (running estimates)."""
    mc, mt = _pair("BatchNorm1d", 3, **kw)
    if mt.weight is not None:
        with torch.no_grad():
            mt.weight.copy_(torch.tensor(rng.normal(size=3)))
        mc.weight.data[...] = mt.weight.detach().numpy()
    assert repr(mc) == repr(mt)
    for _ in range(3):
        _step(mc, mt, rng.normal(size=shape) * 2 + 1)
        _same_state(mc, mt)
    mc.eval(), mt.eval()
    _step(mc, mt, rng.normal(size=shape))
    _same_state(mc, mt)


def test_batchnorm_running_var_is_unbiased_and_normalization_biased():
    """test_batchnorm_update_stats: after one step from (0, 1) with momentum m the running estimates are m
    times the batch's mean and unbiased variance (plus (1 - m) of the old); the output has biased variance 1."""
    x = rng.normal(size=(5, 2)) * 3 + 2
    bn = cr.nn.BatchNorm1d(2, momentum=0.3, dtype=np.float64)
    y = bn(cr.tensor(x))
    close(bn.running_mean, 0.3 * x.mean(0))
    close(bn.running_var, 0.7 + 0.3 * x.var(0, ddof=1))
    close(y.data.var(0), (x.var(0) / (x.var(0) + 1e-5)))
    assert int(bn.num_batches_tracked) == 1


def test_batchnorm_momentum_none_is_the_simple_average():
    """test_batchnorm_simple_average: momentum=None makes the running mean the average of the batch means."""
    bn = cr.nn.BatchNorm1d(3, momentum=None, dtype=np.float64)
    batches = [rng.normal(size=(6, 3)) + i for i in range(4)]
    for b in batches:
        bn(cr.tensor(b))
    close(bn.running_mean, np.mean([b.mean(0) for b in batches], axis=0))
    close(bn.running_var, np.mean([b.var(0, ddof=1) for b in batches], axis=0))


def test_batchnorm_untracked_has_no_buffers_and_eval_uses_the_batch():
    bn = cr.nn.BatchNorm1d(3, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    y = bn(cr.randn(10, 3))
    np.testing.assert_allclose(y.data.mean(0), 0, atol=1e-5)


@pytest.mark.parametrize("make", [lambda m: m.nn.BatchNorm1d(3)(m.ones(1, 3)),
                                  lambda m: m.nn.BatchNorm1d(3)(m.ones(2, 3, 2, 2)),
                                  lambda m: m.nn.BatchNorm1d(3)(m.ones(4, 4)),
                                  lambda m: m.nn.functional.batch_norm(m.ones(4, 3), None, None),
                                  lambda m: m.nn.functional.batch_norm(m.ones(4, 3), m.zeros(4), m.ones(3), training=True)],
                         ids=["one_value_per_channel", "4d_input", "features_mismatch", "eval_without_stats",
                              "stats_size"])
def test_batchnorm_error_classes(make):
    same_error(make, torch)


def test_batchnorm_second_derivative():
    """test_nn's gradgradcheck of BatchNorm1d in training mode."""
    x, v = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    res = []
    for m in (cr, torch):
        xt = m.tensor(x, requires_grad=True)
        w = m.tensor(np.linspace(0.5, 2, 3), requires_grad=True)
        y = m.nn.functional.batch_norm(xt, None, None, w, None, True)
        gx, gw = m.autograd.grad((y ** 3).sum(), (xt, w), create_graph=True)
        res.append([g.data if m is cr else g.detach().numpy()
                    for g in m.autograd.grad((gx * m.tensor(v)).sum() + gw.sum(), (xt, w))])
    for a, b in zip(*res):
        close(a, b)


# --- LayerNorm ------------------------------------------------------------------------------------------

LN = [((5,), dict()), (5, dict(eps=1e-2)), ((4, 5), dict()), ((5,), dict(elementwise_affine=False)),
      ((5,), dict(bias=False)), ([4, 5], dict())]


@pytest.mark.parametrize("shape,kw", LN, ids=[f"{s}-{k}" for s, k in LN])
def test_layernorm_module(shape, kw):
    mc, mt = _pair("LayerNorm", shape, **kw)
    if mt.weight is not None:
        with torch.no_grad():
            mt.weight.copy_(torch.tensor(rng.normal(size=tuple(mt.weight.shape))))
        mc.weight.data[...] = mt.weight.detach().numpy()
    assert repr(mc) == repr(mt)
    _step(mc, mt, rng.normal(size=(3, 4, 5)) * 3)
    mc.eval(), mt.eval()
    _step(mc, mt, rng.normal(size=(2, 4, 5)))
    _same_state(mc, mt)


def test_layernorm_general_normalizes_each_sample():
    """test_LayerNorm_general: mean 0, biased variance 1 over the normalized dimensions."""
    y = cr.nn.LayerNorm((3, 4), eps=0.0)(cr.tensor(rng.normal(size=(2, 3, 4)) * 5 + 3))
    np.testing.assert_allclose(y.data.mean((1, 2)), 0, atol=1e-6)
    np.testing.assert_allclose(y.data.var((1, 2)), 1, rtol=1e-5)


@pytest.mark.parametrize("fn", [lambda m, x, w: m.nn.functional.layer_norm(x, (5,), w),
                                lambda m, x, w: m.nn.functional.layer_norm(x, [4, 5], eps=0.5)],
                         ids=["weight", "two_dims_eps"])
def test_layer_norm_functional_and_second_derivative(fn):
    x, w = rng.normal(size=(3, 4, 5)), rng.normal(size=(5,))
    check(fn, [x, w], torch)
    v = rng.normal(size=x.shape)
    res = []
    for m in (cr, torch):
        xt, wt = m.tensor(x, requires_grad=True), m.tensor(w, requires_grad=True)
        (g,) = m.autograd.grad((fn(m, xt, wt) ** 3).sum(), xt, create_graph=True)
        (gg,) = m.autograd.grad((g * m.tensor(v)).sum(), xt)
        res.append(gg.data if m is cr else gg.numpy())
    close(*res)


@pytest.mark.parametrize("make", [lambda m: m.nn.functional.layer_norm(m.ones(4, 3), (4,)),
                                  lambda m: m.nn.functional.layer_norm(m.ones(4, 3), (3,), m.ones(4)),
                                  lambda m: m.nn.functional.layer_norm(m.ones(4, 3), 3)],
                         ids=["shape", "weight_shape", "int_shape"])
def test_layer_norm_error_classes(make):
    same_error(make, torch)


# --- Embedding ------------------------------------------------------------------------------------------

W = rng.normal(size=(6, 3))
IDX = np.array([[0, 2, 2, 5], [4, 1, 0, 2]])


@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=2), dict(padding_idx=-1), dict(max_norm=1.0),
                                dict(max_norm=0.5, norm_type=1.0, padding_idx=0)], ids=str)
def test_embedding_module(kw):
    """Rows and their gradients (summed over repeated lookups); the padding row's gradient is 0."""
    mt = torch.nn.Embedding(6, 3, **kw).double()
    mc = cr.nn.Embedding(6, 3, **kw).double()
    assert repr(mc) == repr(mt) and list(mc.state_dict()) == list(mt.state_dict())
    if "padding_idx" in kw:
        assert not mc.weight.data[kw["padding_idx"]].any()
    for m, mod in ((torch, mt), (cr, mc)):
        with m.no_grad():
            mod.weight.copy_(m.tensor(W))
    yc, yt = mc(cr.tensor(IDX)), mt(torch.tensor(IDX))
    close(yc, yt)
    w = rng.normal(size=yt.shape)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(mc.weight.grad, mt.weight.grad)
    close(mc.weight, mt.weight)               # max_norm rescales the looked-up rows in place


def test_embedding_from_pretrained_freeze():
    for freeze in (True, False):
        ec = cr.nn.Embedding.from_pretrained(cr.tensor(W), freeze=freeze)
        et = torch.nn.Embedding.from_pretrained(torch.tensor(W), freeze=freeze)
        assert ec.weight.requires_grad == et.weight.requires_grad == (not freeze)
        close(ec(cr.tensor(np.array([1, 5]))), et(torch.tensor(np.array([1, 5]))))
    ec = cr.nn.Embedding.from_pretrained(cr.tensor(W), padding_idx=1)
    assert ec.padding_idx == 1 and ec.weight.data[1].any()     # the given row is kept, as torch


def test_embedding_functional_padding_second_derivative():
    fn = lambda m, w: (m.nn.functional.embedding(m.tensor(IDX), w, padding_idx=0) ** 2)  # noqa: E731
    check(fn, [W], torch)


@pytest.mark.parametrize("make", [lambda m: m.nn.functional.embedding(m.tensor([6]), m.ones(6, 3)),
                                  lambda m: m.nn.functional.embedding(m.tensor([-1]), m.ones(6, 3)),
                                  lambda m: m.nn.functional.embedding(m.tensor([1]), m.ones(6))],
                         ids=["index_too_large", "negative_index", "1d_weight"])
def test_embedding_error_classes(make):
    same_error(make, torch)


# --- in a network: Sequential training, train()/eval(), checkpoints -------------------------------------------

def _net(m, dtype):
    return m.nn.Sequential(m.nn.Linear(4, 8, dtype=dtype), m.nn.BatchNorm1d(8, dtype=dtype), m.nn.ReLU(),
                           m.nn.Linear(8, 8, dtype=dtype), m.nn.LayerNorm(8, dtype=dtype), m.nn.PReLU(dtype=dtype),
                           m.nn.Linear(8, 3, dtype=dtype))


def test_sequential_with_norms_trains_as_torch():
    """Ten SGD steps with momentum on the same batches: the same losses, parameters and running statistics;
    eval() switches BatchNorm to its running estimates in both."""
    torch.manual_seed(0)
    nt, nc = _net(torch, torch.float64), _net(cr, np.float64)
    assert list(nc.state_dict()) == list(nt.state_dict())
    nc.load_state_dict({k: cr.tensor(v.numpy()) for k, v in nt.state_dict().items()})
    opts = {cr: cr.optim.SGD(nc.parameters(), lr=0.1, momentum=0.9),
            torch: torch.optim.SGD(nt.parameters(), lr=0.1, momentum=0.9)}
    for step in range(10):
        x, y = rng.normal(size=(16, 4)), rng.integers(0, 3, size=16)
        losses = []
        for m, net in ((cr, nc), (torch, nt)):
            opts[m].zero_grad()
            loss = m.nn.functional.cross_entropy(net(m.tensor(x)), m.tensor(y))
            loss.backward()
            opts[m].step()
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], rel=1e-9)
    _same_state(nc, nt)
    nc.eval(), nt.eval()
    assert not nc[1].training
    x = rng.normal(size=(5, 4))
    close(nc(cr.tensor(x)), nt(torch.tensor(x)).detach())


def test_norm_layers_round_trip_through_save_and_load(tmp_path):
    pytest.importorskip("safetensors")
    net = _net(cr, np.float32)
    opt = cr.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(net(cr.randn(8, 4)), cr.tensor(np.arange(8) % 3)).backward()
        opt.step()
    cr.save(net, tmp_path / "net.safetensors")
    fresh = cr.load(tmp_path / "net.safetensors", model=_net(cr, np.float32))
    assert int(fresh[1].num_batches_tracked) == 3 and fresh[1].num_batches_tracked.shape == ()
    _same = [np.array_equal(a.data, b.data) for a, b in zip(net.state_dict().values(), fresh.state_dict().values())]
    assert all(_same)
    x = cr.randn(4, 4)
    net.eval(), fresh.eval()
    np.testing.assert_array_equal(net(x).data, fresh(x).data)


@pytest.mark.parametrize("norm,torch_norm", [("batch", "BatchNorm1d"), ("layer", "LayerNorm")])
def test_mlp_norm_is_torch_sequential_and_rebuilds_from_its_file(norm, torch_norm, tmp_path):
    """MLP(norm=...) is Linear -> norm -> ReLU per hidden layer: torch's Sequential of the same layers, step
    for step; cr.load rebuilds it from the file alone, running statistics included."""
    mc = cr.nn.MLP(4, [6, 5], 3, norm=norm, dtype=np.float64)
    layers = []
    for i, o in ((4, 6), (6, 5)):
        layers += [torch.nn.Linear(i, o), getattr(torch.nn, torch_norm)(o), torch.nn.ReLU()]
    mt = torch.nn.Sequential(*layers, torch.nn.Linear(5, 3)).double()
    assert [type(m).__name__ for m in mc] == [type(m).__name__ for m in mt]
    mc.load_state_dict({k: cr.tensor(v.numpy()) for k, v in mt.state_dict().items()})
    for _ in range(3):
        _step(mc, mt, rng.normal(size=(8, 4)))
    _same_state(mc, mt)
    pytest.importorskip("safetensors")
    cr.save(mc, tmp_path / "mlp.safetensors")
    loaded = cr.load(tmp_path / "mlp.safetensors")
    assert isinstance(loaded, cr.nn.MLP) and loaded.get_config() == mc.get_config()
    _same_state(loaded, mt)
    with pytest.raises(cr.errors.ConfigError):
        mc.collapsed()


def test_mlp_norm_refuses_unknown_kinds():
    with pytest.raises(cr.errors.ConfigError, match="norm"):
        cr.nn.MLP(4, [6], 3, norm="group")
    assert "norm" not in cr.nn.MLP(4, [6], 3).get_config()      # configurations without norm stay as they were
