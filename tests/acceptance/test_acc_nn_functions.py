"""More of torch.nn against torch, after PyTorch's test/test_nn.py: activations (test_hardtanh_backward,
test_hardtanh_inplace_gradgrad, test_ReLU6, test_mish, test_PReLU_*, test_logsigmoid), losses (test_smoothl1loss_*,
test_huber_loss_invalid_delta, test_KLDivLoss_batch_mean, test_KLDivLoss_batch_mean_log_target,
test_kl_div_log_softmax_target), test_normalize, test_cosine_similarity and test_Unflatten."""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

from acc_helpers import check, close, same_error

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(0)
X = rng.normal(size=(4, 5)) * 3
X[0, :] = [-1.0, 1.0, 0.0, 6.0, -0.5]               # the kinks: bounds of hardtanh and relu6, prelu's 0


def _second(m, fn, x, v):
    """d/dx <d fn(x).sum() / dx, v>: test_nn's gradgradcheck, as one number per element."""
    t = m.tensor(x, requires_grad=True)
    (g,) = m.autograd.grad((fn(m, t) ** 2).sum(), t, create_graph=True)
    (gg,) = m.autograd.grad((g * m.tensor(v)).sum(), t, allow_unused=True)
    return np.zeros_like(x) if gg is None else (gg.data if m is cr else gg.detach().numpy())


ACTIVATIONS = [
    ("logsigmoid", lambda m, x: m.nn.functional.logsigmoid(x)),
    ("logsigmoid_large", lambda m, x: m.nn.functional.logsigmoid(x * 300)),
    ("hardtanh", lambda m, x: m.nn.functional.hardtanh(x)),
    ("hardtanh_bounds", lambda m, x: m.nn.functional.hardtanh(x, -0.5, 6.0)),
    ("hardtanh_keywords", lambda m, x: m.nn.functional.hardtanh(x, min_val=0.0, max_val=1.0)),
    ("relu6", lambda m, x: m.nn.functional.relu6(x)),
    ("relu6_scaled", lambda m, x: m.nn.functional.relu6(x * 2)),
    ("mish", lambda m, x: m.nn.functional.mish(x)),
    ("mish_large", lambda m, x: m.nn.functional.mish(x * 30)),
    ("prelu_one", lambda m, x: m.nn.functional.prelu(x, m.tensor(np.array([0.25])))),
    ("prelu_channels", lambda m, x: m.nn.functional.prelu(x, m.tensor(np.linspace(-1, 2, 5)))),
    ("prelu_0d_weight", lambda m, x: m.nn.functional.prelu(x, m.tensor(np.array(0.1)))),
]


@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_values_and_gradients(name, fn):
    check(fn, [X], torch)


@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_second_derivatives(name, fn):
    x = X if not name.startswith("prelu") else X[1:]    # torch's prelu double backward counts 0 as positive
    v = rng.normal(size=x.shape)
    close(_second(cr, fn, x, v), _second(torch, fn, x, v), atol=1e-8)


def test_hardtanh_backward_is_zero_at_the_bounds():
    x = cr.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    F.hardtanh(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 1, 0, 0])


@pytest.mark.parametrize("make", [lambda m: m.nn.functional.hardtanh(m.ones(2), 1.0, -1.0),
                                  lambda m: m.nn.functional.prelu(m.ones(3, 4), m.ones(3)),
                                  lambda m: m.nn.functional.prelu(m.ones(3, 4), m.ones(2, 2))],
                         ids=["hardtanh_min_above_max", "prelu_channels_mismatch", "prelu_2d_weight"])
def test_activation_error_classes(make):
    same_error(make, torch)


MODULES = [("LogSigmoid", (), {}), ("Hardtanh", (-2.0, 2.0), {}), ("Hardtanh", (), {"min_val": 0.0}),
           ("ReLU6", (), {}), ("Mish", (), {}), ("PReLU", (), {}), ("PReLU", (5,), {"init": 0.1}),
           ("Unflatten", (1, (5, 1)), {})]


@pytest.mark.parametrize("name,args,kw", MODULES, ids=[f"{n}{a}{k}" for n, a, k in MODULES])
def test_activation_modules_and_repr(name, args, kw):
    mc, mt = getattr(cr.nn, name)(*args, **kw).double(), getattr(torch.nn, name)(*args, **kw).double()
    assert repr(mc) == repr(mt)
    assert [n for n, _ in mc.named_parameters()] == [n for n, _ in mt.named_parameters()]
    check(lambda m, x: (mc if m is cr else mt)(x), [X], torch)


def test_prelu_weight_gradient_and_training_step():
    """test_PReLU_backward: the slope's gradient sums g * x over the negative inputs, per channel."""
    mc, mt = cr.nn.PReLU(5, dtype=np.float64), torch.nn.PReLU(5, dtype=torch.float64)
    for m, mod in ((cr, mc), (torch, mt)):
        opt = m.optim.SGD(mod.parameters(), lr=0.5)
        (mod(m.tensor(X)) ** 2).sum().backward()
        opt.step()
    close(mc.weight.grad, mt.weight.grad)
    close(mc.weight, mt.weight)


# --- losses ---------------------------------------------------------------------------------------------

D_IN, D_T = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
D_T[0] = D_IN[0] + np.array([1.0, -0.5, 0.0])       # |d| exactly beta / delta, and 0
LOGP = np.log(rng.dirichlet(np.ones(4), size=5))
P = rng.dirichlet(np.ones(4), size=5)

LOSSES = [
    ("smooth_l1", lambda m, f, x, t, r: f.smooth_l1_loss(x, t, reduction=r)),
    ("smooth_l1_beta", lambda m, f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=0.5)),
    ("smooth_l1_beta0", lambda m, f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=0.0)),
    ("smooth_l1_module", lambda m, f, x, t, r: m.nn.SmoothL1Loss(reduction=r, beta=2.0)(x, t)),
    ("huber", lambda m, f, x, t, r: f.huber_loss(x, t, reduction=r)),
    ("huber_delta", lambda m, f, x, t, r: f.huber_loss(x, t, r, 0.5)),
    ("huber_weight", lambda m, f, x, t, r: f.huber_loss(x, t, r, 0.5, weight=m.tensor(np.abs(D_T)))),
    ("huber_module", lambda m, f, x, t, r: m.nn.HuberLoss(reduction=r, delta=3.0)(x, t)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,fn", LOSSES, ids=[loss[0] for loss in LOSSES])
def test_regression_losses(name, fn, reduction):
    """Values, gradients of input and target, and the second derivative, against torch."""
    f = {cr: F, torch: TF}
    check(lambda m, x, t: fn(m, f[m], x, t, reduction), [D_IN, D_T], torch)
    v = rng.normal(size=D_IN.shape)
    close(_second(cr, lambda m, x: fn(m, f[m], x, m.tensor(D_T), reduction), D_IN, v),
          _second(torch, lambda m, x: fn(m, f[m], x, m.tensor(D_T), reduction), D_IN, v))


def test_huber_is_delta_times_smooth_l1():
    """test_huber_loss: huber_loss(delta) == delta * smooth_l1_loss(beta=delta)."""
    x, t = cr.tensor(D_IN), cr.tensor(D_T)
    close(F.huber_loss(x, t, delta=0.7), (F.smooth_l1_loss(x, t, beta=0.7) * 0.7).data)


@pytest.mark.parametrize("make", [lambda m: m.nn.functional.smooth_l1_loss(m.ones(3), m.ones(3), beta=-1.0),
                                  lambda m: m.nn.functional.huber_loss(m.ones(3), m.ones(3), delta=0.0),
                                  lambda m: m.nn.functional.huber_loss(m.ones(3), m.ones(3), weight=m.ones(2)),
                                  lambda m: m.nn.functional.kl_div(m.ones(3), m.ones(3), reduction="avg")],
                         ids=["negative_beta", "zero_delta", "weight_shape", "bad_reduction"])
def test_loss_error_classes(make):
    same_error(make, torch)


KL = [
    ("batchmean", lambda m, x, t: m.nn.functional.kl_div(x, t, reduction="batchmean")),
    ("sum", lambda m, x, t: m.nn.functional.kl_div(x, t, reduction="sum")),
    ("none", lambda m, x, t: m.nn.functional.kl_div(x, t, reduction="none")),
    ("mean", lambda m, x, t: m.nn.functional.kl_div(x, t)),
    ("log_target_batchmean", lambda m, x, t: m.nn.functional.kl_div(x, t.log(), reduction="batchmean",
                                                                    log_target=True)),
    ("module_batchmean", lambda m, x, t: m.nn.KLDivLoss(reduction="batchmean")(x, t)),
    ("module_log_target", lambda m, x, t: m.nn.KLDivLoss(reduction="sum", log_target=True)(x, t.log())),
    ("legacy_size_average", lambda m, x, t: m.nn.functional.kl_div(x, t, False)),
    ("legacy_reduce", lambda m, x, t: m.nn.KLDivLoss(reduce=False)(x, t)),
    ("log_softmax_input", lambda m, x, t: m.nn.functional.kl_div(m.nn.functional.log_softmax(x, 1), t,
                                                                 reduction="batchmean")),
]


@pytest.mark.parametrize("name,fn", KL, ids=[k[0] for k in KL])
def test_kl_div(name, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, [LOGP, P], torch)


def test_kl_div_batchmean_is_the_divergence_and_zero_targets_count_nothing():
    """test_KLDivLoss_batch_mean: 'batchmean' = sum / N; a 0 target probability adds 0 (xlogy)."""
    t = P.copy()
    t[0] = [0.5, 0.5, 0.0, 0.0]
    ours = F.kl_div(cr.tensor(LOGP), cr.tensor(t), reduction="batchmean")
    expected = np.sum(np.where(t > 0, t * (np.log(np.where(t > 0, t, 1)) - LOGP), -t * LOGP)) / 5
    close(ours, expected)
    close(ours, TF.kl_div(torch.tensor(LOGP), torch.tensor(t), reduction="batchmean"))


def test_kl_div_mean_warns_as_torch():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(cr.tensor(LOGP), cr.tensor(P))


# --- normalize, cosine_similarity --------------------------------------------------------------------------

VECTORS = [
    ("normalize", lambda m, x, y: m.nn.functional.normalize(x)),
    ("normalize_dim0_p1", lambda m, x, y: m.nn.functional.normalize(x, 1.0, 0)),
    ("normalize_inf", lambda m, x, y: m.nn.functional.normalize(x, p=float("inf"), dim=-1)),
    ("normalize_eps", lambda m, x, y: m.nn.functional.normalize(x * 1e-3, eps=0.5)),
    ("cosine", lambda m, x, y: m.nn.functional.cosine_similarity(x, y)),
    ("cosine_dim0", lambda m, x, y: m.nn.functional.cosine_similarity(x, y, 0)),
    ("cosine_broadcast", lambda m, x, y: m.nn.functional.cosine_similarity(x, y[:1], dim=1)),
    ("cosine_eps", lambda m, x, y: m.nn.functional.cosine_similarity(x * 1e-3, y, eps=0.5)),
]


@pytest.mark.parametrize("name,fn", VECTORS, ids=[v[0] for v in VECTORS])
def test_normalize_and_cosine_similarity(name, fn):
    check(fn, [X[1:], rng.normal(size=(3, 5))], torch)


def test_normalize_gives_unit_rows_and_a_zero_row_stays_zero():
    x = cr.tensor(np.vstack([X[1:], np.zeros((1, 5))]), requires_grad=True)
    y = F.normalize(x)
    np.testing.assert_allclose(np.linalg.norm(y.data[:3], axis=1), 1.0)
    np.testing.assert_array_equal(y.data[3], 0)
    y.sum().backward()
    assert np.isfinite(x.grad.data).all()


def test_cosine_similarity_of_a_zero_vector_is_zero_with_finite_gradients():
    """test_cosine_similarity: eps keeps a zero vector at similarity 0, gradients finite, as torch."""
    check(lambda m, x, y: m.nn.functional.cosine_similarity(x, y, dim=0),
          [np.zeros(4), rng.normal(size=4)], torch)
