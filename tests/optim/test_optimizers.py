"""Optimizers against torch.optim step by step, in-place updates, validation and state dicts."""
import copy
import json
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import CheckpointError, ConfigError
from chainrule.nn import Parameter
from chainrule.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam, RMSprop

SHAPES = [(4, 3), (3,), (2, 2, 2)]

CONFIGS = [
    (SGD, {"lr": 0.1}),
    (SGD, {"lr": 0.05, "momentum": 0.9}),
    (SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    (SGD, {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    (SGD, {"lr": 0.1, "weight_decay": 0.01}),
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    (RMSprop, {}),
    (RMSprop, {"lr": 0.01, "alpha": 0.9, "momentum": 0.5}),
    (RMSprop, {"lr": 0.01, "centered": True}),
    (RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.7, "weight_decay": 0.1, "eps": 1e-6}),
    (Adam, {}),
    (Adam, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    (Adam, {"lr": 0.01, "weight_decay": 0.1}),
    (Adam, {"lr": 0.01, "amsgrad": True}),
    (AdamW, {}),
    (AdamW, {"lr": 0.01, "weight_decay": 0.1, "betas": (0.85, 0.95)}),
    (AdamW, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]


def _ids():
    return [f"{cls.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for cls, kw in CONFIGS]


def make_problem(seed=0, steps=6, dtype=np.float64):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    return init, grads


@pytest.mark.parametrize("cls,kw", CONFIGS, ids=_ids())
def test_matches_torch_step_by_step(cls, kw):
    torch = pytest.importorskip("torch")
    init, grads = make_problem()
    ours = [Parameter(a.copy()) for a in init]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in init]
    opt = cls(ours, **kw)
    ref = getattr(torch.optim, cls.__name__)(theirs, **kw)
    for step_grads in grads:
        for p, q, g in zip(ours, theirs, step_grads):
            p.grad = cr.tensor(g)
            q.grad = torch.tensor(g)
        opt.step()
        ref.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_param_groups_with_their_own_hyperparameters_match_torch():
    torch = pytest.importorskip("torch")
    init, grads = make_problem(1)
    ours = [Parameter(a.copy()) for a in init]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in init]
    opt = SGD([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.5, "momentum": 0.0}], lr=0.1, momentum=0.9)
    ref = torch.optim.SGD([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.5, "momentum": 0.0}], lr=0.1,
                          momentum=0.9)
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[0]["lr"] == 0.1
    for step_grads in grads:
        for p, q, g in zip(ours, theirs, step_grads):
            p.grad, q.grad = cr.tensor(g), torch.tensor(g)
        opt.step()
        ref.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("cls,kw", CONFIGS, ids=_ids())
def test_updates_in_place_without_touching_gradients_or_building_graphs(cls, kw):
    init, grads = make_problem(2, steps=3)
    params = [Parameter(a.copy()) for a in init]
    arrays = [p.data for p in params]
    opt = cls(params, **kw)
    for step_grads in grads:
        shared = [g.copy() for g in step_grads]
        for p, g in zip(params, shared):
            p.grad = cr.Tensor(g)           # the gradient arrays themselves, not copies
        opt.step()
        for g, original in zip(shared, step_grads):
            np.testing.assert_array_equal(g, original)     # never written
    for p, a, start in zip(params, arrays, init):
        assert p.data is a and p.grad_fn is None and p.is_leaf
        assert not np.array_equal(a, start)


@pytest.mark.parametrize("cls,kw", [(SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {}), (AdamW, {}),
                                    (RMSprop, {"centered": True, "momentum": 0.9}), (Adagrad, {}), (Adadelta, {}),
                                    (Adamax, {}), (NAdam, {}), (RAdam, {})])
def test_float32_parameters_stay_float32(cls, kw):
    p = Parameter(np.ones((3, 3), dtype=np.float32))
    opt = cls([p], **kw)
    p.grad = cr.ones(3, 3)
    opt.step()
    assert p.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("cls,kw,limit", [
    (SGD, {"lr": 0.1}, 1.2), (SGD, {"lr": 0.1, "momentum": 0.9}, 1.2),
    (SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}, 1.2),
    (SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1}, 1.2),
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}, 1.2),
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, 2.2),
    (Adam, {}, 1.2), (Adam, {"weight_decay": 0.1, "amsgrad": True}, 1.2), (AdamW, {"weight_decay": 0.1}, 1.2),
    (RMSprop, {"centered": True, "momentum": 0.9}, 1.2), (RMSprop, {"weight_decay": 0.1}, 2.2),
    (Adagrad, {"lr_decay": 0.1}, 1.2), (Adadelta, {}, 2.2), (Adamax, {}, 1.2), (NAdam, {}, 2.2),
    (NAdam, {"weight_decay": 0.1, "decoupled_weight_decay": True}, 2.2), (RAdam, {}, 2.2),
    (Adam, {"weight_decay": 0.1, "decoupled_weight_decay": True}, 1.2)])
def test_step_allocates_at_most_one_scratch_array(cls, kw, limit):
    _assert_second_step_peak_below(cls, kw, limit)


def _assert_second_step_peak_below(cls, kw, limit):
    p = Parameter(np.ones(500_000))
    opt = cls([p], **kw)
    p.grad = cr.Tensor(np.full(500_000, 0.5))
    opt.step()                              # first step allocates the state buffers
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit * p.data.nbytes, f"peak {peak} bytes for a {p.data.nbytes}-byte parameter"


def test_skips_parameters_without_gradients_and_zero_grad():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = SGD([a, b], lr=1.0)
    a.grad = cr.tensor(np.array([1.0, 2.0]))
    opt.step()
    np.testing.assert_array_equal(a.data, [0.0, -1.0])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    opt.zero_grad(set_to_none=False)
    assert np.all(a.grad.data == 0) and b.grad is None
    opt.zero_grad()
    assert a.grad is None


def test_closure_is_called_and_its_loss_returned():
    p = Parameter(np.array([3.0]))
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0 and p.data[0] == pytest.approx(1.5)


def test_training_a_model_reduces_the_loss():
    cr.manual_seed(0)
    x = cr.randn(64, 5)
    y = (x.data[:, 0] > 0).astype(int)
    model = cr.nn.MLP(5, [16], 2)
    opt = Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = cr.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("make,match", [
    (lambda ps: SGD(ps, lr=-0.1), "invalid lr -0.1"),
    (lambda ps: SGD(ps, lr="fast"), "lr must be a number"),
    (lambda ps: SGD(ps, lr=0.1, momentum=1.0), "momentum"),
    (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), "momentum"),
    (lambda ps: SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires momentum > 0"),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-1e-4), "weight_decay"),
    (lambda ps: Adam(ps, betas=(0.9, 1.0)), r"beta2 \(betas\[1\]\)"),
    (lambda ps: Adam(ps, betas=(-0.1, 0.9)), r"beta1"),
    (lambda ps: Adam(ps, betas=(0.9,)), "pair"),
    (lambda ps: Adam(ps, eps=-1e-8), "eps"),
    (lambda ps: AdamW(ps, weight_decay=-0.01), "weight_decay"),
    (lambda ps: RMSprop(ps, alpha=1.5), "alpha"),
    (lambda ps: RMSprop(ps, lr=float("nan")), "lr must be a number"),
])
def test_hyperparameters_are_validated(make, match):
    with pytest.raises(ConfigError, match=match):
        make([Parameter(np.zeros(2))])


def test_params_are_validated():
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="only optimize Tensors"):
        SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="ordered"):
        SGD([{"params": {p}}], lr=0.1)


@pytest.mark.parametrize("cls,kw", CONFIGS, ids=_ids())
def test_state_dict_round_trip_continues_identically(cls, kw):
    init, grads = make_problem(3, steps=6)
    a = [Parameter(x.copy()) for x in init]
    opt_a = cls(a, **kw)
    for g in grads[:3]:
        for p, gi in zip(a, g):
            p.grad = cr.tensor(gi)
        opt_a.step()
    saved = copy.deepcopy(opt_a.state_dict())
    json.dumps(saved["param_groups"])                    # hyperparameters are JSON-able
    b = [Parameter(p.data.copy()) for p in a]
    opt_b = cls(b, lr=0.123)                             # different lr: the state dict restores it
    opt_b.load_state_dict(saved)
    assert opt_b.param_groups[0]["lr"] == opt_a.param_groups[0]["lr"]
    for g in grads[3:]:
        for p, q, gi in zip(a, b, g):
            p.grad, q.grad = cr.tensor(gi), cr.tensor(gi)
        opt_a.step()
        opt_b.step()
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_layout_is_torch_like():
    init, grads = make_problem(4, steps=1)
    ps = [Parameter(x.copy()) for x in init]
    opt = Adam(ps, lr=0.01)
    for p, g in zip(ps, grads[0]):
        p.grad = cr.tensor(g)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1, 2]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 1, 2}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and sd["state"][0]["step"] == 1
    # JSON round trip of the keys (strings) and of betas (list) is accepted
    as_json = {"state": {str(k): v for k, v in sd["state"].items()},
               "param_groups": json.loads(json.dumps(sd["param_groups"]))}
    opt.load_state_dict(as_json)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)


def test_load_state_dict_reports_mismatches():
    ps = [Parameter(np.zeros((2, 2))), Parameter(np.zeros(3))]
    opt = SGD(ps, lr=0.1, momentum=0.9)
    for p in ps:
        p.grad = cr.ones_like(p, dtype=np.float64)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(CheckpointError, match="1 parameters in the saved state, 2 here"):
        SGD(ps, lr=0.1).load_state_dict({"state": {}, "param_groups": [dict(sd["param_groups"][0], params=[0])]})
    with pytest.raises(CheckpointError, match="2 parameter groups"):
        SGD(ps, lr=0.1).load_state_dict({"state": {}, "param_groups": sd["param_groups"] * 2})
    bad = copy.deepcopy(sd)
    bad["state"][1]["momentum_buffer"] = np.zeros(4)
    with pytest.raises(CheckpointError, match=r"parameter 1 \(\(3,\)\): state 'momentum_buffer' has shape \(4,\)"):
        SGD(ps, lr=0.1, momentum=0.9).load_state_dict(bad)
    with pytest.raises(CheckpointError):
        SGD(ps, lr=0.1).load_state_dict({"param_groups": []})


def test_learning_rate_is_read_from_the_group_every_step():
    p = Parameter(np.zeros(1))
    opt = SGD([p], lr=1.0)
    p.grad = cr.tensor(np.ones(1))
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    assert p.data[0] == pytest.approx(-1.5)


def test_base_class_needs_update():
    class Nothing(Optimizer):
        pass

    p = Parameter(np.zeros(1))
    opt = Nothing([p], {"lr": 0.1})
    p.grad = cr.tensor(np.ones(1))
    with pytest.raises(NotImplementedError):
        opt.step()
    assert "Parameter Group 0" in repr(opt)


SGD_CONFIGS = [c for c in CONFIGS if c[0] is SGD]


def _sgd_reference(p, g, buf, first, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """One SGD step on whole arrays, the operations in PyTorch's order (``buf`` updated in place)."""
    d = p * weight_decay + g if weight_decay else g
    if momentum:
        if first:
            buf[...] = d
        else:
            buf *= momentum
            buf += d * (1 - dampening) if dampening else d
        d = buf * momentum + d if nesterov else buf
    p -= d * lr


@pytest.mark.parametrize("cls,kw", SGD_CONFIGS, ids=[f"{c.__name__}-{k}" for c, k in SGD_CONFIGS])
@pytest.mark.parametrize("shape", [(300, 1000), (70_001,), (1000, 300)])
def test_sgd_in_blocks_equals_the_whole_array_step_bit_for_bit(cls, kw, shape):
    """Large parameters are updated block by block (no parameter-sized temporary); every element must get
    exactly the whole-array result, the last partial block and transposed (non-contiguous) arrays included."""
    rng = np.random.default_rng(0)
    init = rng.standard_normal(shape).astype(np.float32)
    grads = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    p = Parameter(init.T if shape == (1000, 300) else init.copy())
    opt = cls([p], **kw)
    ref, buf = p.data.copy(), np.empty_like(p.data)
    for i, g in enumerate(grads):
        g = g.T if shape == (1000, 300) else g
        p.grad = cr.Tensor(g)
        opt.step()
        _sgd_reference(ref, g, buf, i == 0, **kw)
        np.testing.assert_array_equal(p.data, ref)


def test_sgd_step_on_a_large_parameter_allocates_only_small_blocks():
    _assert_second_step_peak_below(SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, 0.25)


BLOCKED_CONFIGS = [
    (RMSprop, {}), (RMSprop, {"centered": True, "momentum": 0.7, "weight_decay": 0.1}), (Adagrad, {"lr_decay": 0.1}),
    (Adagrad, {"weight_decay": 0.1}), (Adadelta, {"weight_decay": 0.1}), (Adam, {}),
    (Adam, {"weight_decay": 0.1, "amsgrad": True}), (Adam, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    (AdamW, {"weight_decay": 0.1, "amsgrad": True}), (Adamax, {"weight_decay": 0.1}), (NAdam, {}),
    (NAdam, {"weight_decay": 0.1, "decoupled_weight_decay": True}), (RAdam, {"weight_decay": 0.1}),
]


def _trajectory(cls, kw, init, grads):
    p = Parameter(init)
    opt = cls([p], **kw)
    for g in grads:
        p.grad = cr.Tensor(g)
        opt.step()
    return p.data, opt.state[p]


@pytest.mark.parametrize("cls,kw", BLOCKED_CONFIGS, ids=[f"{c.__name__}-{k}" for c, k in BLOCKED_CONFIGS])
@pytest.mark.parametrize("shape", [(300, 1000), (70_001,), (1000, 300)])
def test_blocked_update_equals_the_whole_array_update_bit_for_bit(cls, kw, shape, monkeypatch):
    """The whole-array update is the one checked against torch (small parameters); a large one is updated in
    blocks and must match it in every element of the parameter and of every state buffer (RAdam's 8 steps
    cross its rectification threshold), the last partial block and a transposed array included."""
    rng = np.random.default_rng(0)
    init = rng.standard_normal(shape).astype(np.float32)
    init = init.T.copy().T if shape == (1000, 300) else init
    grads = [rng.standard_normal(shape).astype(np.float32) for _ in range(8)]
    blocked, blocked_state = _trajectory(cls, kw, init.copy(order="K"), grads)
    monkeypatch.setattr(cr.optim.algorithms, "_BLOCK", 10 ** 9)
    whole, whole_state = _trajectory(cls, kw, init.copy(order="K"), grads)
    np.testing.assert_array_equal(blocked, whole)
    for key, value in whole_state.items():
        np.testing.assert_array_equal(blocked_state[key], value)


@pytest.mark.parametrize("cls,kw", BLOCKED_CONFIGS, ids=[f"{c.__name__}-{k}" for c, k in BLOCKED_CONFIGS])
def test_step_on_a_large_parameter_allocates_only_small_blocks(cls, kw):
    _assert_second_step_peak_below(cls, kw, 0.25)
