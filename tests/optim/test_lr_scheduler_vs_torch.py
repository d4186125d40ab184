"""Every learning-rate schedule against torch.optim.lr_scheduler, table-driven: the learning rates (and cycled
momenta) of three parameter groups over 60+ steps, a state_dict round trip mid-run, the state's keys, the
signatures, and the error class of bad arguments."""
import copy
import inspect
import json
import warnings

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

LRS = [0.1, 0.05, 0.3]


def _optimizer(m, name="SGD"):
    params = [m.tensor(np.zeros(2), requires_grad=True) for _ in LRS]
    kw = {"momentum": 0.9} if name == "SGD" else {}
    return getattr(m.optim, name)([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)], **kw)


class Scale:
    """A callable object for the lambdas (its attributes go into the state dict, as in PyTorch)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


def _seq(S, o):
    return S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=5), S.ConstantLR(o, 0.5, total_iters=4),
                              S.CosineAnnealingLR(o, T_max=20, eta_min=0.001)], milestones=[5, 12])


# (id, optimizer, factory(lr_scheduler module, optimizer), steps)
CASES = [
    ("StepLR", "SGD", lambda S, o: S.StepLR(o, step_size=7, gamma=0.7), 80),
    ("MultiStepLR", "SGD", lambda S, o: S.MultiStepLR(o, milestones=[3, 10, 10, 40], gamma=0.5), 60),
    ("ExponentialLR", "SGD", lambda S, o: S.ExponentialLR(o, gamma=0.97), 200),
    ("CosineAnnealingLR", "SGD", lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.002), 200),
    ("CosineAnnealingLR_no_eta", "SGD", lambda S, o: S.CosineAnnealingLR(o, T_max=30), 100),
    ("ConstantLR", "SGD", lambda S, o: S.ConstantLR(o), 60),
    ("ConstantLR_args", "SGD", lambda S, o: S.ConstantLR(o, 0.25, 12), 60),
    ("LinearLR", "SGD", lambda S, o: S.LinearLR(o), 60),
    ("LinearLR_decay", "SGD", lambda S, o: S.LinearLR(o, 1.0, 0.05, 30), 60),
    ("PolynomialLR", "SGD", lambda S, o: S.PolynomialLR(o), 60),
    ("PolynomialLR_args", "SGD", lambda S, o: S.PolynomialLR(o, total_iters=40, power=2.5), 60),
    ("LambdaLR", "SGD", lambda S, o: S.LambdaLR(o, [lambda e: 1 / (1 + e), Scale(0.9), lambda e: 0.5]), 60),
    ("MultiplicativeLR", "SGD", lambda S, o: S.MultiplicativeLR(o, lambda e: 0.95), 60),
    ("MultiplicativeLR_groups", "SGD", lambda S, o: S.MultiplicativeLR(o, [Scale(0.99), lambda e: 1.01,
                                                                           lambda e: 0.9 if e % 5 else 1.2]), 60),
    ("SequentialLR", "SGD", _seq, 60),
    ("SequentialLR_nested", "SGD", lambda S, o: S.SequentialLR(o, [_seq(S, o), S.ExponentialLR(o, 0.9)],
                                                                milestones=[30]), 60),
    ("ChainedScheduler", "SGD", lambda S, o: S.ChainedScheduler([S.ConstantLR(o, 0.1, total_iters=5),
                                                                  S.ExponentialLR(o, gamma=0.95)]), 60),
    ("ChainedScheduler_three", "SGD", lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, 0.2, total_iters=10), S.StepLR(o, 9, 0.5), S.CosineAnnealingLR(o, T_max=25)], o), 60),
    ("CyclicLR", "SGD", lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=7), 60),
    ("CyclicLR_triangular2", "SGD", lambda S, o: S.CyclicLR(o, [0.01, 0.02, 0.03], [0.1, 0.2, 0.3], 4, 9,
                                                              mode="triangular2", base_momentum=0.7,
                                                              max_momentum=[0.9, 0.95, 0.85]), 60),
    ("CyclicLR_exp_range", "SGD", lambda S, o: S.CyclicLR(o, 0.01, 0.1, 5, mode="exp_range", gamma=0.97), 60),
    ("CyclicLR_scale_fn", "SGD", lambda S, o: S.CyclicLR(o, 0.01, 0.1, 6, scale_fn=Scale(0.9),
                                                           scale_mode="iterations"), 60),
    ("CyclicLR_scale_fn_cycle", "SGD", lambda S, o: S.CyclicLR(o, 0.01, 0.1, 3, scale_fn=lambda c: 1 / c), 60),
    ("CyclicLR_no_momentum", "SGD", lambda S, o: S.CyclicLR(o, 0.01, 0.1, 4, cycle_momentum=False), 60),
    ("CyclicLR_adam_beta1", "Adam", lambda S, o: S.CyclicLR(o, 0.001, 0.01, 5, base_momentum=0.8,
                                                              max_momentum=0.9), 60),
    ("CosineAnnealingWarmRestarts", "SGD", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7), 80),
    ("CosineAnnealingWarmRestarts_mult", "SGD", lambda S, o: S.CosineAnnealingWarmRestarts(o, 3, 2, 0.001), 80),
    ("OneCycleLR", "SGD", lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 1.0, 0.2], total_steps=70), 69),
    ("OneCycleLR_adam", "Adam", lambda S, o: S.OneCycleLR(o, 0.01, epochs=6, steps_per_epoch=11,
                                                           anneal_strategy="linear", three_phase=True), 65),
    ("OneCycleLR_long", "SGD", lambda S, o: S.OneCycleLR(o, 1.0, 500, pct_start=0.25, div_factor=10.0,
                                                          final_div_factor=100.0), 499),
]
IDS = [c[0] for c in CASES]


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _trail(m, opt_name, make, steps, resume_at=None, manual_at=None):
    """Learning rates, momenta and get_last_lr() at every step; optionally rebuilt from state dicts at
    ``resume_at`` (PyTorch's order: new optimizer and schedule, then both states) or with an lr changed by
    hand at ``manual_at``."""
    opt = _optimizer(m, opt_name)
    sched = make(m.optim.lr_scheduler, opt)
    rows = []
    for step in range(steps):
        rows.append([g["lr"] for g in opt.param_groups] + _momenta(opt) + list(sched.get_last_lr()))
        if step == resume_at:
            opt_state, sched_state = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
            if m is cr:
                sched_state = json.loads(json.dumps(sched_state))
            opt = _optimizer(m, opt_name)
            sched = make(m.optim.lr_scheduler, opt)
            opt.load_state_dict(opt_state)
            sched.load_state_dict(sched_state)
        if step == manual_at:
            opt.param_groups[0]["lr"] *= 0.5
        opt.step()
        sched.step()
    rows.append([g["lr"] for g in opt.param_groups] + _momenta(opt) + list(sched.get_last_lr()))
    return np.array(rows, dtype=float)


@pytest.mark.parametrize("opt_name,make,steps", [c[1:] for c in CASES], ids=IDS)
def test_learning_rates_and_momenta_equal_torchs(opt_name, make, steps):
    ours, theirs = _trail(cr, opt_name, make, steps), _trail(torch, opt_name, make, steps)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert len(np.unique(ours[:, 0])) > 1                 # the schedule moves


@pytest.mark.parametrize("opt_name,make,steps", [c[1:] for c in CASES], ids=IDS)
def test_state_dict_round_trip_mid_run_equals_torchs(opt_name, make, steps):
    ours = _trail(cr, opt_name, make, steps, resume_at=steps // 2)
    theirs = _trail(torch, opt_name, make, steps, resume_at=steps // 2)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours, _trail(cr, opt_name, make, steps), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("opt_name,make,steps", [c[1:] for c in CASES if "OneCycle" not in c[0]],
                         ids=[i for i in IDS if "OneCycle" not in i])
def test_a_learning_rate_changed_by_hand_is_treated_as_torch_treats_it(opt_name, make, steps):
    ours = _trail(cr, opt_name, make, steps, manual_at=steps // 3)
    theirs = _trail(torch, opt_name, make, steps, manual_at=steps // 3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("opt_name,make,steps", [c[1:] for c in CASES], ids=IDS)
def test_state_dict_keys_and_counters_are_torchs(opt_name, make, steps):
    scheds = []
    for m in (cr, torch):
        opt = _optimizer(m, opt_name)
        sched = make(m.optim.lr_scheduler, opt)
        for _ in range(3):
            opt.step()
            sched.step()
        scheds.append(sched)
    ours, theirs = (s.state_dict() for s in scheds)
    assert set(ours) == set(theirs)
    for key in ("last_epoch", "_step_count", "T_cur", "T_i"):
        if key in theirs:
            assert ours[key] == theirs[key], key


def test_cosine_warm_restarts_with_fractional_epochs_equals_torch():
    trails = []
    for m in (cr, torch):
        opt = _optimizer(m)
        sched = m.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)
        lrs = []
        for epoch in range(20):
            for i in range(5):
                opt.step()
                sched.step(epoch + i / 5)
                lrs.append([g["lr"] for g in opt.param_groups] + [sched.last_epoch, sched.T_cur, sched.T_i])
        trails.append(lrs)
    np.testing.assert_allclose(trails[0], trails[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,epochs", [("StepLR", [3, 10, 4, 25]), ("MultiStepLR", [2, 9, 40, 1]),
                                         ("ExponentialLR", [5, 1]), ("CosineAnnealingLR", [3, 17, 2]),
                                         ("ConstantLR", [2, 7, 1]), ("LinearLR", [1, 9, 3]),
                                         ("PolynomialLR", [2, 8, 1])])
def test_step_with_an_epoch_uses_the_closed_form_as_torch(name, epochs):
    args = {"StepLR": (4,), "MultiStepLR": ([3, 9],), "ExponentialLR": (0.9,), "CosineAnnealingLR": (10,),
            "ConstantLR": (0.5, 4), "LinearLR": (0.2, 1.0, 6), "PolynomialLR": (6, 2.0)}[name]
    trails = []
    for m in (cr, torch):
        opt = _optimizer(m)
        sched = getattr(m.optim.lr_scheduler, name)(opt, *args)
        lrs = []
        for e in epochs:
            opt.step()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sched.step(e)
            assert any("deprecated" in str(w.message) for w in caught)
            sched.step()
            lrs.append(sched.get_last_lr())
        trails.append(lrs)
    np.testing.assert_allclose(trails[0], trails[1], rtol=1e-12)


NAMES = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
         "SequentialLR", "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
         "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR", "LRScheduler"]


def test_the_same_names_as_torch():
    assert sorted(cr.optim.lr_scheduler.__all__) == sorted(NAMES)
    assert set(NAMES) <= set(torch.optim.lr_scheduler.__all__)


@pytest.mark.parametrize("name", NAMES)
def test_signature_is_torchs(name):
    def params(cls):
        return [(k, p.kind, p.default) for k, p in inspect.signature(cls.__init__).parameters.items()]
    assert params(getattr(cr.optim.lr_scheduler, name)) == params(getattr(torch.optim.lr_scheduler, name))
    if name not in ("ChainedScheduler", "SequentialLR", "ReduceLROnPlateau", "LRScheduler"):
        step = [(k, p.kind, p.default) for k, p in
                inspect.signature(getattr(cr.optim.lr_scheduler, name).step).parameters.items()]
        assert step == [("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
                        ("epoch", inspect.Parameter.POSITIONAL_OR_KEYWORD, None)]


BAD = [
    ("ConstantLR", lambda S, o: S.ConstantLR(o, factor=1.5), ValueError),
    ("ConstantLR", lambda S, o: S.ConstantLR(o, factor=-0.1), ValueError),
    ("LinearLR", lambda S, o: S.LinearLR(o, start_factor=0.0), ValueError),
    ("LinearLR", lambda S, o: S.LinearLR(o, end_factor=1.5), ValueError),
    ("LambdaLR", lambda S, o: S.LambdaLR(o, [lambda e: 1.0] * 2), ValueError),
    ("MultiplicativeLR", lambda S, o: S.MultiplicativeLR(o, 0.9), TypeError),
    ("MultiplicativeLR", lambda S, o: S.MultiplicativeLR(o, [lambda e: 1.0]), ValueError),
    ("SequentialLR", lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[3]), ValueError),
    ("SequentialLR", lambda S, o: S.SequentialLR(o, [], milestones=[]), ValueError),
    ("SequentialLR", lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], [2]), ValueError),
    ("SequentialLR", lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2), object()], [2]), TypeError),
    ("ChainedScheduler", lambda S, o: S.ChainedScheduler([]), ValueError),
    ("ChainedScheduler", lambda S, o: S.ChainedScheduler([S.StepLR(o, 2), S.ReduceLROnPlateau(o)]), ValueError),
    ("CyclicLR", lambda S, o: S.CyclicLR(o, 0.01, 0.1, mode="sawtooth"), ValueError),
    ("CyclicLR", lambda S, o: S.CyclicLR(o, [0.01, 0.02], 0.1), ValueError),
    ("CyclicLR", lambda S, o: S.CyclicLR(o, 0.01, [0.1]), ValueError),
    ("CosineAnnealingWarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError),
    ("CosineAnnealingWarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2.5), ValueError),
    ("CosineAnnealingWarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, 5, T_mult=0), ValueError),
    ("CosineAnnealingWarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, 5, eta_min="x"), ValueError),
    ("CosineAnnealingWarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, 5).step(-1), ValueError),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 1.0), ValueError),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 1.0, total_steps=0), ValueError),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 1.0, epochs=0, steps_per_epoch=3), ValueError),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 1.0, 10, pct_start=1.5), ValueError),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"), ValueError),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, [1.0, 2.0], 10), ValueError),
    ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, factor=1.0), ValueError),
    ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, mode="up"), ValueError),
    ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.0]), ValueError),
    ("StepLR", lambda S, o: S.StepLR(object(), 2), TypeError),
    ("CyclicLR", lambda S, o: S.CyclicLR(object(), 0.01, 0.1), TypeError),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(object(), 0.1, 10), TypeError),
]


@pytest.mark.parametrize("name,make,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_arguments_raise_torchs_error_class(name, make, error):
    for m in (cr, torch):
        with pytest.raises(error):
            make(m.optim.lr_scheduler, _optimizer(m))


def test_cycle_momentum_needs_momentum_as_in_torch():
    for m in (cr, torch):
        p = m.tensor(np.zeros(2), requires_grad=True)
        opt = m.optim.Adagrad([p])
        with pytest.raises(ValueError):
            m.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
        with pytest.raises(ValueError):
            m.optim.lr_scheduler.OneCycleLR(opt, 0.1, 10)
        m.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, cycle_momentum=False)


def test_one_cycle_past_its_last_step_raises_as_torch():
    for m in (cr, torch):
        opt = _optimizer(m)
        sched = m.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(3):
            sched.step()
        with pytest.raises(ValueError, match="(?i)tried to step"):
            sched.step()
