"""nn modules and losses against torch, after PyTorch's test/test_nn.py (test_Linear, test_CrossEntropyLoss_*,
test_NLLLoss_weights_ignore_index, test_label_smoothing_*, test_BCELoss_weights, test_Dropout, test_Sequential_*,
test_state_dict, test_named_parameters, test_zero_grad) and MyGrad's tests/nnet/losses."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(0)
SCORES = rng.normal(size=(6, 4))
LABELS = np.array([0, 3, 1, 1, 2, 3])
IGNORED = np.array([0, -100, 1, 2, -100, 3])
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
PROBS = rng.dirichlet(np.ones(4), size=6)
P = 1 / (1 + np.exp(-rng.normal(size=(6, 3))))
Y01 = (rng.uniform(size=(6, 3)) > 0.5).astype(float)
REG_IN, REG_T = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
EW = rng.uniform(0.5, 2, size=(6, 3))


def lab(m, a):
    return m.tensor(a.astype(np.int64))


LOSSES = [
    ("ce", lambda m, f, x, r: f.cross_entropy(x, lab(m, LABELS), reduction=r)),
    ("ce_weight", lambda m, f, x, r: f.cross_entropy(x, lab(m, LABELS), weight=m.tensor(WEIGHT), reduction=r)),
    ("ce_ignore", lambda m, f, x, r: f.cross_entropy(x, lab(m, IGNORED), reduction=r)),
    ("ce_ignore_custom", lambda m, f, x, r: f.cross_entropy(x, lab(m, LABELS), ignore_index=1, reduction=r)),
    ("ce_weight_ignore", lambda m, f, x, r: f.cross_entropy(x, lab(m, IGNORED), weight=m.tensor(WEIGHT), reduction=r)),
    ("ce_smooth", lambda m, f, x, r: f.cross_entropy(x, lab(m, LABELS), label_smoothing=0.1, reduction=r)),
    ("ce_smooth_weight", lambda m, f, x, r: f.cross_entropy(x, lab(m, LABELS), weight=m.tensor(WEIGHT),
                                                           label_smoothing=0.2, reduction=r)),
    ("ce_smooth_ignore", lambda m, f, x, r: f.cross_entropy(x, lab(m, IGNORED), label_smoothing=0.3, reduction=r)),
    ("ce_probs", lambda m, f, x, r: f.cross_entropy(x, m.tensor(PROBS), reduction=r)),
    ("ce_probs_weight_smooth", lambda m, f, x, r: f.cross_entropy(x, m.tensor(PROBS), weight=m.tensor(WEIGHT),
                                                                 label_smoothing=0.1, reduction=r)),
    ("nll", lambda m, f, x, r: f.nll_loss(f.log_softmax(x, 1), lab(m, LABELS), reduction=r)),
    ("nll_weight_ignore", lambda m, f, x, r: f.nll_loss(f.log_softmax(x, dim=1), lab(m, IGNORED),
                                                        weight=m.tensor(WEIGHT), reduction=r)),
    ("multi_margin", lambda m, f, x, r: f.multi_margin_loss(x, lab(m, LABELS), reduction=r)),
    ("multi_margin_p2", lambda m, f, x, r: f.multi_margin_loss(x, lab(m, LABELS), p=2, margin=0.5, reduction=r)),
    ("multi_margin_weight", lambda m, f, x, r: f.multi_margin_loss(x, lab(m, LABELS), weight=m.tensor(WEIGHT),
                                                                   reduction=r)),
    ("bce_logits", lambda m, f, x, r: f.binary_cross_entropy_with_logits(x[:, :3], m.tensor(Y01), reduction=r)),
    ("bce_logits_weight", lambda m, f, x, r: f.binary_cross_entropy_with_logits(
        x[:, :3], m.tensor(Y01), weight=m.tensor(EW), reduction=r)),
    ("bce_logits_pos_weight", lambda m, f, x, r: f.binary_cross_entropy_with_logits(
        x[:, :3], m.tensor(Y01), pos_weight=m.tensor(np.array([1.0, 2.0, 0.5])), reduction=r)),
    ("bce", lambda m, f, x, r: f.binary_cross_entropy(m.sigmoid(x[:, :3]), m.tensor(Y01), reduction=r)),
    ("bce_weight", lambda m, f, x, r: f.binary_cross_entropy(m.sigmoid(x[:, :3]), m.tensor(P), weight=m.tensor(EW),
                                                            reduction=r)),
    ("mse", lambda m, f, x, r: f.mse_loss(x[:5, :3], m.tensor(REG_T), reduction=r)),
    ("l1", lambda m, f, x, r: f.l1_loss(x[:5, :3], m.tensor(REG_T), reduction=r)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,fn", LOSSES, ids=[loss[0] for loss in LOSSES])
def test_functional_loss(name, fn, reduction):
    xc, xt = cr.tensor(SCORES, requires_grad=True), torch.tensor(SCORES, requires_grad=True)
    lc, lt = fn(cr, F, xc, reduction), fn(torch, TF, xt, reduction)
    np.testing.assert_allclose(lc.data, lt.detach().numpy(), rtol=1e-9, atol=1e-12)
    w = np.random.default_rng(2).uniform(0.5, 1.5, size=tuple(lt.shape))
    (lc * cr.tensor(w)).sum().backward()
    (lt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)


MODULE_LOSSES = [
    ("CrossEntropyLoss", dict(), LABELS), ("CrossEntropyLoss", dict(label_smoothing=0.1), LABELS),
    ("CrossEntropyLoss", dict(reduction="sum", ignore_index=2), LABELS),
    ("NLLLoss", dict(), LABELS), ("MultiMarginLoss", dict(margin=2.0), LABELS),
]


@pytest.mark.parametrize("name,kw,target", MODULE_LOSSES, ids=[f"{n}-{kw}" for n, kw, _ in MODULE_LOSSES])
def test_loss_modules(name, kw, target):
    ours = getattr(cr.nn, name)(**kw)(cr.tensor(SCORES), lab(cr, target))
    theirs = getattr(torch.nn, name)(**kw)(torch.tensor(SCORES), torch.tensor(target))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "BCEWithLogitsLoss"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_elementwise_loss_modules(name, reduction):
    ours = getattr(cr.nn, name)(reduction=reduction)(cr.tensor(REG_IN), cr.tensor(P[:5]))
    theirs = getattr(torch.nn, name)(reduction=reduction)(torch.tensor(REG_IN), torch.tensor(P[:5]))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10)


def copy_linear(ours, theirs):
    with cr.no_grad():
        ours.weight.data[...] = theirs.weight.detach().numpy()
        if theirs.bias is not None:
            ours.bias.data[...] = theirs.bias.detach().numpy()


@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias):
    torch.manual_seed(0)
    lt = torch.nn.Linear(3, 2, bias=bias, dtype=torch.float64)
    lc = cr.nn.Linear(3, 2, bias=bias, dtype=np.float64)
    assert lc.weight.shape == tuple(lt.weight.shape) and (lc.bias is None) == (lt.bias is None)
    copy_linear(lc, lt)
    x = rng.normal(size=shape)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = lc(xc), lt(xt)
    np.testing.assert_allclose(yc.data, yt.detach().numpy(), rtol=1e-10)
    (yc * yc).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(lc.weight.grad.data, lt.weight.grad.numpy(), rtol=1e-10)
    if bias:
        np.testing.assert_allclose(lc.bias.grad.data, lt.bias.grad.numpy(), rtol=1e-10)


def test_linear_functional():
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2,))
    ours = F.linear(cr.tensor(x), cr.tensor(w), cr.tensor(b))
    np.testing.assert_allclose(ours.data, TF.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)).numpy())


ACTIVATIONS = [("ReLU", {}), ("Tanh", {}), ("Sigmoid", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.5}),
               ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Softplus", {"beta": 2.0}),
               ("Identity", {}), ("Flatten", {}), ("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": -1})]


@pytest.mark.parametrize("name,kw", ACTIVATIONS, ids=[f"{n}-{kw}" for n, kw in ACTIVATIONS])
def test_activation_modules(name, kw):
    x = rng.normal(size=(3, 4))
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = getattr(cr.nn, name)(**kw)(xc), getattr(torch.nn, name)(**kw)(xt)
    np.testing.assert_allclose(yc.data, yt.detach().numpy(), rtol=1e-7, atol=1e-12)
    (yc * cr.tensor(x)).sum().backward()
    (yt * torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-7, atol=1e-12)


def sequential(m, dtype):
    return m.nn.Sequential(m.nn.Linear(4, 5, dtype=dtype), m.nn.ReLU(), m.nn.Linear(5, 3, dtype=dtype))


def test_sequential_state_dict_keys_shapes_and_forward():
    torch.manual_seed(0)
    st, sc = sequential(torch, torch.float64), sequential(cr, np.float64)
    sdt, sdc = st.state_dict(), sc.state_dict()
    assert list(sdc) == list(sdt)
    assert [tuple(v.shape) for v in sdc.values()] == [tuple(v.shape) for v in sdt.values()]
    sc.load_state_dict({k: cr.tensor(v.numpy()) for k, v in sdt.items()})
    x = rng.normal(size=(2, 4))
    np.testing.assert_allclose(sc(cr.tensor(x)).data, st(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_sequential_indexing_len_and_named_parameters():
    st, sc = sequential(torch, torch.float64), sequential(cr, np.float64)
    assert len(sc) == len(st) == 3
    assert type(sc[1]).__name__ == type(st[1]).__name__ == "ReLU"
    assert [n for n, _ in sc.named_parameters()] == [n for n, _ in st.named_parameters()]
    assert len(list(sc.parameters())) == len(list(st.parameters())) == 4
    assert [n for n, _ in sc.named_children()] == [n for n, _ in st.named_children()]


def test_module_list_and_nested_names():
    class Net(cr.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = cr.nn.ModuleList([cr.nn.Linear(2, 2), cr.nn.Linear(2, 1)])
            self.head = cr.nn.Linear(1, 1, bias=False)

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)])
            self.head = torch.nn.Linear(1, 1, bias=False)

    assert list(Net().state_dict()) == list(TNet().state_dict())


def test_train_eval_flags_propagate():
    sc = cr.nn.Sequential(cr.nn.Linear(2, 2), cr.nn.Dropout(0.5))
    st = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    for model in (sc, st):
        assert model.training and model[1].training
        assert model.eval() is model
        assert not model[1].training
        model.train()
        assert model[1].training


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_dropout_train_scales_and_eval_is_identity(p):
    x = cr.ones(200, 50, requires_grad=True)
    d = cr.nn.Dropout(p)
    y = d(x)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.03
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.where(kept, 1 / (1 - p), 0), rtol=1e-6)
    d.eval()
    np.testing.assert_array_equal(d(x).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, p, training=False).data, x.data)


def test_dropout_p_one_zeroes():
    t = torch.nn.functional.dropout(torch.ones(3, 3), 1.0)
    c = F.dropout(cr.ones(3, 3), 1.0)
    np.testing.assert_array_equal(c.data, t.numpy())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    for m in (cr, torch):
        lin = m.nn.Linear(2, 2)
        lin(m.ones(1, 2)).sum().backward()
        lin.zero_grad(set_to_none=set_to_none)
        if set_to_none:
            assert lin.weight.grad is None
        else:
            assert float(abs(lin.weight.grad).sum()) == 0


def test_clip_grad_norm():
    grads = [rng.normal(size=(3, 2)), rng.normal(size=(4,))]
    results = []
    for m in (cr, torch):
        ps = [m.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
        for p, g in zip(ps, grads):
            (p * m.tensor(g)).sum().backward()
        total = m.nn.utils.clip_grad_norm_(ps, 1.0)
        results.append((float(total), [np.array(p.grad.data if m is cr else p.grad.numpy()) for p in ps]))
    assert results[0][0] == pytest.approx(results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_module_to_dtype(dtype):
    lin = cr.nn.Linear(2, 3).to(getattr(cr, dtype))
    assert lin.weight.dtype == np.dtype(dtype)
    assert lin.to("cpu") is lin


TWICE = [loss for loss in LOSSES if not loss[0].startswith("multi_margin")]  # torch has no double backward there


@pytest.mark.parametrize("name,fn", TWICE, ids=[loss[0] for loss in TWICE])
def test_loss_second_derivative(name, fn):
    """test_nn's gradgradcheck of each loss: the gradient of the squared gradient norm, against torch."""
    res = []
    for m, f in ((cr, F), (torch, TF)):
        x = m.tensor(SCORES, requires_grad=True)
        (g,) = m.autograd.grad(fn(m, f, x, "sum"), x, create_graph=True)
        if not g.requires_grad:
            res.append(np.zeros_like(SCORES))
            continue
        (gg,) = m.autograd.grad((g * g).sum(), x, allow_unused=True)
        res.append(np.zeros_like(SCORES) if gg is None else (gg.data if m is cr else gg.detach().numpy(force=True)))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-8, atol=1e-11)
