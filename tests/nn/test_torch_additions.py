"""nn.Softmax / nn.LogSoftmax, nn.utils.clip_grad_norm_ and probability targets in cross_entropy, against torch."""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

R = np.random.default_rng(7)
S = R.standard_normal((5, 4)) * 2


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("shape, dim", [((5, 4), 1), ((5, 4), 0), ((2, 3, 4), -1), ((2, 3, 4), 1)])
def test_softmax_modules_match_torch(name, shape, dim):
    a = R.standard_normal(shape)
    x, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = getattr(cr.nn, name)(dim=dim)(x), getattr(torch.nn, name)(dim=dim)(t)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    w = R.standard_normal(shape)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(getattr(cr.nn, name)(1)) == repr(getattr(torch.nn, name)(1))


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 2, 3, 4)])
def test_softmax_without_dim_picks_torchs_dimension_and_warns(shape):
    a = R.standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = torch.nn.Softmax()(torch.tensor(a)).numpy()
    with pytest.warns(UserWarning, match="implicit dimension"):
        out = cr.nn.Softmax()(cr.tensor(a))
    np.testing.assert_allclose(out.data, ref, rtol=1e-12)


# --- clip_grad_norm_ ------------------------------------------------------------------------------------------

def _params(lib, grads):
    params = []
    for g in grads:
        if lib is cr:
            p = cr.nn.Parameter(cr.tensor(np.zeros(g.shape)))
            p.grad = cr.tensor(g.copy())
        else:
            p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
            p.grad = torch.tensor(g.copy())
        params.append(p)
    return params


GRADS = [R.standard_normal((3, 4)) * 3, R.standard_normal(5), R.standard_normal((2, 2)) * 0.1]


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1), (2.0, float("inf")),
                                                 (1.0, 3.0), (0.0, 2.0)],
                         ids=["clip", "no-clip", "l1", "inf", "p3", "zero"])
def test_clip_grad_norm_total_and_scaling_match_torch(max_norm, norm_type):
    ours, theirs = _params(cr, GRADS), _params(torch, GRADS)
    held = [p.grad for p in ours]
    total = cr.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, cr.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), ref.item(), rtol=1e-12)
    for p, q, g in zip(ours, theirs, held):
        assert p.grad is g                                   # the same gradient tensors, rescaled
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_leaves_a_shared_gradient_array_alone():
    shared = GRADS[0].copy()
    p = cr.nn.Parameter(cr.tensor(np.zeros(shared.shape)))
    p.grad = cr.Tensor(shared)
    cr.nn.utils.clip_grad_norm_(p, 0.1)
    np.testing.assert_array_equal(shared, GRADS[0])
    assert np.linalg.norm(p.grad.data) == pytest.approx(0.1, rel=1e-5)


def test_clip_grad_norm_skips_missing_gradients_and_can_refuse_nonfinite_norms():
    a, b = _params(cr, [np.array([3.0, 4.0]), np.array([np.inf, 0.0])])
    c = cr.nn.Parameter(cr.tensor(np.zeros(2)))
    assert cr.nn.utils.clip_grad_norm_([a, c], 1.0).item() == pytest.approx(5.0)
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        cr.nn.utils.clip_grad_norm_([b], 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(_params(torch, [np.array([np.inf, 0.0])]), 1.0, error_if_nonfinite=True)


# --- cross_entropy with probability targets -------------------------------------------------------------------

P = np.abs(R.standard_normal((5, 4)))
P /= P.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("kw", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.2},
                                {"weight": np.array([1.0, 2.0, 0.5, 3.0])},
                                {"weight": np.array([1.0, 2.0, 0.5, 3.0]), "label_smoothing": 0.1, "reduction": "none"}],
                         ids=["mean", "sum", "none", "smoothing", "weight", "weight-smoothing-none"])
def test_cross_entropy_with_probability_targets_matches_torch(kw):
    x, t = cr.tensor(S, requires_grad=True), torch.tensor(S, requires_grad=True)
    y, u = cr.tensor(P, requires_grad=True), torch.tensor(P, requires_grad=True)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    out, ref = F.cross_entropy(x, y, **kw), TF.cross_entropy(t, u, **tkw)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    w = R.standard_normal(ref.shape)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(y.grad.data, u.grad.numpy(), rtol=1e-10)        # targets get gradients too


def test_cross_entropy_module_takes_probability_targets():
    loss = cr.nn.CrossEntropyLoss(label_smoothing=0.1)(cr.tensor(S), cr.tensor(P))
    ref = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(torch.tensor(S), torch.tensor(P))
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)


def test_probability_targets_must_have_the_scores_shape():
    with pytest.raises(RuntimeError):
        TF.cross_entropy(torch.tensor(S), torch.tensor(P[:, :3]))
    with pytest.raises(RuntimeError, match="scores' shape"):
        F.cross_entropy(cr.tensor(S), cr.tensor(P[:, :3]))
