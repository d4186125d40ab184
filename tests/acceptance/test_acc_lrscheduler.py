"""Learning-rate schedules against the expectations of PyTorch's test/optim/test_lrscheduler.py, for the
schedules added after the first ones (ConstantLR, PolynomialLR, MultiplicativeLR, ChainedScheduler, compound
schedules on one optimizer, SequentialLR of chained ones, CyclicLR, OneCycleLR with large momenta,
CosineAnnealingWarmRestarts): the same optimizer (two groups, lr 0.05 and 0.5), the same targets, the same
tolerance (atol 1e-5); each case also runs through torch and must agree with it to 1e-12."""
import math
import warnings

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _opt(m, name="SGD"):
    a, b = (m.tensor(np.zeros(2), requires_grad=True) for _ in range(2))
    return getattr(m.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.05)


def _both(targets):
    """PyTorch's convention: the second group's targets are the first's times 10."""
    return [targets, [x * 10 for x in targets]]


def _lrs_by_stepping(m, make, epochs, name="SGD"):
    """The lr of each group before each step (test_lrscheduler's _test); ``make`` returns the schedulers."""
    opt = _opt(m, name)
    schedulers = make(m.optim.lr_scheduler, opt)
    rows = []
    for _ in range(epochs):
        rows.append([g["lr"] for g in opt.param_groups])
        opt.step()
        for s in schedulers:
            s.step()
    return np.array(rows).T


def _poly(lr, power, total, epochs):
    return [lr * (1.0 - x / total) ** power for x in range(total)] + [0.0] * (epochs - total)


def _cos(x, epochs, base=0.05, eta_min=1e-10):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * x / epochs)) / 2


def _linear_factors(start, end, iters, n):
    return [start + i / iters * (end - start) if i < iters else end for i in range(n)]


STEPPED = [  # (test_lrscheduler's name, schedulers, epochs, targets of both groups)
    ("test_constantlr", lambda S, o: [S.ConstantLR(o, factor=1.0 / 2, total_iters=5)], 10,
     _both([0.025] * 5 + [0.05] * 5)),
    ("test_poly_lr", lambda S, o: [S.PolynomialLR(o, power=0.9, total_iters=5)], 10, _both(_poly(0.05, 0.9, 5, 10))),
    ("test_multiplicative_lr", lambda S, o: [S.MultiplicativeLR(o, lr_lambda=[lambda e: 0.9, lambda e: 0.8])], 10,
     [[0.05 * 0.9 ** x for x in range(10)], [0.5 * 0.8 ** x for x in range(10)]]),
    ("test_chained_lr1", lambda S, o: [S.ChainedScheduler([S.StepLR(o, gamma=0.1, step_size=3)])], 10,
     _both([0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005])),
    ("test_chained_lr2", lambda S, o: [S.ChainedScheduler([S.LinearLR(o, start_factor=0.4, total_iters=3)])], 10,
     _both([0.02, 0.03, 0.04] + [0.05] * 7)),
    ("test_chained_lr3", lambda S, o: [S.ChainedScheduler([S.LinearLR(o, start_factor=0.4, total_iters=3),
                                                          S.MultiStepLR(o, milestones=[4, 8, 10], gamma=0.1)])], 10,
     _both([0.02, 0.03, 0.04, 0.05] + [0.005] * 4 + [0.0005] * 2)),
    ("test_chained_lr4", lambda S, o: [S.ChainedScheduler([S.ExponentialLR(o, gamma=0.9),
                                                          S.ConstantLR(o, factor=0.2, total_iters=4),
                                                          S.StepLR(o, gamma=0.1, step_size=3)])], 9,
     _both([0.05 * 0.2 * 0.9 ** x for x in range(3)] + [0.05 * 0.2 * 0.9 ** 3 * 0.1]
           + [0.05 * 0.9 ** x * 0.1 for x in range(4, 6)] + [0.05 * 0.9 ** x * 0.01 for x in range(6, 9)])),
    ("test_chained_lr5", lambda S, o: [S.ChainedScheduler([S.PolynomialLR(o, power=0.9, total_iters=5),
                                                          S.ConstantLR(o, factor=0.1)])], 10,
     [[x * 0.1 for x in _poly(0.05, 0.9, 5, 10)], [x * 0.1 for x in _poly(0.5, 0.9, 5, 10)]]),
    ("test_compound_step_and_multistep_lr", lambda S, o: [S.StepLR(o, gamma=0.1, step_size=3),
                                                          S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9])], 10,
     _both([0.05] * 2 + [0.005] + [5e-4] * 2 + [5e-5] + [5e-6] * 3 + [5e-8])),
    ("test_compound_step_and_exp_lr", lambda S, o: [S.StepLR(o, gamma=0.1, step_size=3), S.ExponentialLR(o, 0.9)],
     10, _both([0.05 * 0.1 ** (x // 3) * 0.9 ** x for x in range(10)])),
    ("test_compound_exp_and_multistep_lr", lambda S, o: [S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
                                                         S.ExponentialLR(o, gamma=0.9)], 10,
     _both([0.05 * 0.1 ** sum(x >= m for m in (2, 5, 9)) * 0.9 ** x for x in range(10)])),
    ("test_compound_exp_and_linearlr", lambda S, o: [S.LinearLR(o, 0.4, 0.9, total_iters=4),
                                                     S.ExponentialLR(o, gamma=0.9)], 10,
     _both([0.05 * 0.9 ** x * f for x, f in enumerate(_linear_factors(0.4, 0.9, 4, 10))])),
    ("test_compound_step_and_constantlr", lambda S, o: [S.StepLR(o, gamma=0.1, step_size=3),
                                                        S.ConstantLR(o, factor=0.4, total_iters=4)], 10,
     _both([0.05 * 0.4] * 3 + [0.005 * 0.4] + [0.005] * 2 + [0.0005] * 3 + [0.00005])),
    ("test_compound_linearlr_and_multistep_lr", lambda S, o: [S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
                                                              S.LinearLR(o, start_factor=0.4, total_iters=4)], 10,
     _both([v * f for v, f in zip([0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005],
                                  _linear_factors(0.4, 1.0, 4, 10))])),
    ("test_compound_cosanneal_and_step_lr", lambda S, o: [S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
                                                          S.StepLR(o, gamma=0.1, step_size=3)], 10,
     _both([_cos(x, 10) * 0.1 ** (x // 3) for x in range(10)])),
    ("test_compound_cosanneal_and_multistep_lr", lambda S, o: [S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
                                                               S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9])], 10,
     _both([_cos(x, 10) * m for x, m in enumerate([1] * 2 + [0.1] * 3 + [0.01] * 4 + [0.001])])),
    ("test_compound_cosanneal_and_linearlr", lambda S, o: [S.LinearLR(o, start_factor=0.4, total_iters=4),
                                                           S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10)], 10,
     _both([_cos(x, 10) * f for x, f in enumerate(_linear_factors(0.4, 1.0, 4, 10))])),
    ("test_compound_cosanneal_and_exp_lr", lambda S, o: [S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
                                                         S.ExponentialLR(o, gamma=0.1)], 10,
     _both([_cos(x, 10) * 0.1 ** x for x in range(10)])),
    ("test_sequentiallr2", lambda S, o: [S.SequentialLR(o, [S.ConstantLR(o, factor=0.1, total_iters=3),
                                                            S.ExponentialLR(o, gamma=0.9)], milestones=[3])], 13,
     _both([0.005] * 3 + [0.05 * 0.9 ** x for x in range(10)])),
    ("test_sequentiallr3", lambda S, o: [S.SequentialLR(o, [S.ConstantLR(o, factor=0.1, total_iters=3),
                                                            S.ExponentialLR(o, gamma=0.8),
                                                            S.StepLR(o, gamma=0.1, step_size=2)], [3, 6])], 12,
     _both([0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005])),
    ("test_sequentiallr5", lambda S, o: [S.SequentialLR(o, [S.ChainedScheduler([S.LinearLR(o, start_factor=0.1,
                                                                                           total_iters=5),
                                                                                S.ConstantLR(o, factor=0.1,
                                                                                             total_iters=5)]),
                                                            S.ConstantLR(o, factor=0.5, total_iters=5)], [5])], 10,
     _both([0.0005, 0.0014, 0.0023, 0.0032, 0.0041] + [0.025] * 5)),
]


@pytest.mark.parametrize("make,epochs,targets", [c[1:] for c in STEPPED], ids=[c[0] for c in STEPPED])
def test_stepped_schedules(make, epochs, targets):
    ours = _lrs_by_stepping(cr, make, epochs)
    np.testing.assert_allclose(ours, np.array(targets), rtol=0, atol=1e-5)
    np.testing.assert_allclose(ours, _lrs_by_stepping(torch, make, epochs), rtol=1e-12, atol=1e-15)


def _cycle(m, make, n, name="SGD"):
    """(lr, momentum or beta1) of each group at each batch (test_lrscheduler's _test_cycle_lr)."""
    opt = _opt(m, name)
    sched = make(m.optim.lr_scheduler, opt)
    lrs, moms = [], []
    for _ in range(n):
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append([g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return np.array(lrs).T, np.array(moms).T


TRI = [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]
TRI2 = [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1, 1.25, 1.5, 1.75, 2.0, 1.75]
XS = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0, 0.25, 0.5, 0.75, 1]
UP_DOWN = [1.0, 2.0, 3.0, 4.0, 5.0, 13 / 3, 11 / 3, 9 / 3, 7 / 3, 5 / 3, 1.0]
LINEAR_1CYCLE = ([1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5], [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22])


def _anneal_cos(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


COS_1CYCLE = ([1, 13, 25] + [_anneal_cos(25, 0.5, i / 7) for i in range(1, 7)] + [0.5],
              [22, 11.5, 1] + [_anneal_cos(1, 22, i / 7) for i in range(1, 7)] + [22])

CYCLIC = [  # (name, optimizer, schedule, batches, lr targets per group, momentum targets per group or None)
    ("test_cycle_lr_triangular_mode_one_lr", "SGD",
     lambda S, o: S.CyclicLR(o, 1, 5, step_size_up=4, base_momentum=1, max_momentum=5), 11,
     [TRI] * 2, [[6 - x for x in TRI]] * 2),
    ("test_cycle_lr_triangular_mode_one_lr_no_momentum", "SGD",
     lambda S, o: S.CyclicLR(o, 1, 5, step_size_up=4, cycle_momentum=False), 11, [TRI] * 2, [[0] * 11] * 2),
    ("test_cycle_lr_triangular2_mode_one_lr", "SGD",
     lambda S, o: S.CyclicLR(o, 1, 5, 4, base_momentum=1, max_momentum=5, mode="triangular2"), 22,
     [TRI2] * 2, [[6 - x for x in TRI2]] * 2),
    ("test_cycle_lr_exp_range_mode_one_lr", "SGD",
     lambda S, o: S.CyclicLR(o, 1, 5, 4, base_momentum=1, max_momentum=5, mode="exp_range", gamma=0.9), 13,
     [[1 + x * 4 * 0.9 ** i for i, x in enumerate(XS)]] * 2, [[5 - x * 4 * 0.9 ** i for i, x in enumerate(XS)]] * 2),
    ("test_cycle_lr_triangular_mode", "SGD",
     lambda S, o: S.CyclicLR(o, [1, 2], [5, 6], 4, base_momentum=[1, 2], max_momentum=[5, 6]), 11,
     [TRI, [x + 1 for x in TRI]], [[6 - x for x in TRI], [7 - x for x in TRI]]),
    ("test_cycle_lr_triangular2_mode", "SGD",
     lambda S, o: S.CyclicLR(o, [1, 3], [5, 7], 4, base_momentum=[1, 3], max_momentum=[5, 7], mode="triangular2"),
     22, [TRI2, [x + 2 for x in TRI2]], [[6 - x for x in TRI2], [8 - x for x in TRI2]]),
    ("test_cycle_lr_triangular_mode_step_size_up_down", "SGD",
     lambda S, o: S.CyclicLR(o, 1, 5, 4, 6, base_momentum=1, max_momentum=5), 11,
     [UP_DOWN] * 2, [[6 - x for x in UP_DOWN]] * 2),
    ("test_cycle_lr_exp_range_mode_step_size_up_down", "SGD",
     lambda S, o: S.CyclicLR(o, 1, 5, 2, 6, base_momentum=1, max_momentum=5, mode="exp_range", gamma=0.9), 13,
     [[1 + x * 4 * 0.9 ** i for i, x in enumerate([0, .5, 1, 5 / 6, 4 / 6, .5, 2 / 6, 1 / 6, 0, .5, 1, 5 / 6,
                                                    4 / 6])]] * 2, None),
    ("test_cycle_lr_with_momentumless_optimizer", "Adam",
     lambda S, o: S.CyclicLR(o, 1, 5, 4, cycle_momentum=False), 11, [TRI] * 2, [[0.9] * 11] * 2),
    ("test_onecycle_lr_linear_annealing", "SGD",
     lambda S, o: S.OneCycleLR(o, 25, final_div_factor=2, base_momentum=1, max_momentum=22, total_steps=10,
                               anneal_strategy="linear"), 10, [LINEAR_1CYCLE[0]] * 2, [LINEAR_1CYCLE[1]] * 2),
    ("test_onecycle_lr_linear_annealing_three_phases", "SGD",
     lambda S, o: S.OneCycleLR(o, 25, div_factor=25, base_momentum=1, max_momentum=22, total_steps=10,
                               anneal_strategy="linear", pct_start=0.4, final_div_factor=4, three_phase=True), 10,
     [[1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25]] * 2, [[22, 15, 8, 1, 8, 15, 22, 22, 22, 22]] * 2),
    ("test_onecycle_lr_cosine_annealing", "SGD",
     lambda S, o: S.OneCycleLR(o, 25, final_div_factor=2, base_momentum=1, max_momentum=22, total_steps=10), 10,
     [COS_1CYCLE[0]] * 2, [COS_1CYCLE[1]] * 2),
    ("test_cycle_lr_with_adam", "Adam",
     lambda S, o: S.OneCycleLR(o, 25, final_div_factor=2, base_momentum=1, max_momentum=22, total_steps=10,
                               anneal_strategy="linear"), 10, [LINEAR_1CYCLE[0]] * 2, [LINEAR_1CYCLE[1]] * 2),
]


@pytest.mark.parametrize("opt_name,make,n,lr_targets,momentum_targets", [c[1:] for c in CYCLIC],
                         ids=[c[0] for c in CYCLIC])
def test_cyclic_schedules(opt_name, make, n, lr_targets, momentum_targets):
    lrs, moms = _cycle(cr, make, n, opt_name)
    np.testing.assert_allclose(lrs, np.array(lr_targets), rtol=0, atol=1e-5)
    if momentum_targets is not None:
        np.testing.assert_allclose(moms, np.array(momentum_targets), rtol=0, atol=1e-5)
    ref_lrs, ref_moms = _cycle(torch, make, n, opt_name)
    np.testing.assert_allclose(lrs, ref_lrs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(moms, ref_moms, rtol=1e-12, atol=1e-15)


def test_cycle_lr_invalid_mode_and_momentumless_optimizer():
    for m in (cr, torch):
        S = m.optim.lr_scheduler
        with pytest.raises(ValueError):
            S.CyclicLR(_opt(m), base_lr=0, max_lr=0, mode="CATS")
        with pytest.raises(ValueError):                     # test_lrscheduler uses Rprop; Adagrad has no momentum
            S.CyclicLR(m.optim.Adagrad([m.tensor(np.zeros(2), requires_grad=True)]), base_lr=1, max_lr=5)
        S.CyclicLR(m.optim.Adam([m.tensor(np.zeros(2), requires_grad=True)]), base_lr=1, max_lr=5)


class ScaleFn:
    def __init__(self):
        self.x = 0.5

    def __call__(self, _):
        return self.x


def test_cycle_lr_state_dict_and_restored_scale_fn():
    opt = _opt(cr, "Adam")
    S = cr.optim.lr_scheduler
    assert S.CyclicLR(opt, 1, 5, cycle_momentum=False).state_dict()["_scale_fn_custom"] is None
    assert S.CyclicLR(opt, 1, 5, cycle_momentum=False, scale_fn=lambda _: 0.5).state_dict()["_scale_fn_custom"] is None
    fn = ScaleFn()
    assert S.CyclicLR(opt, 1, 5, cycle_momentum=False, scale_fn=fn).state_dict()["_scale_fn_custom"] == {"x": 0.5}
    saved = S.CyclicLR(opt, 1, 5, cycle_momentum=False, mode="triangular2").state_dict()
    restored = S.CyclicLR(opt, 1, 5, cycle_momentum=False)
    restored.load_state_dict(saved)
    assert restored.mode == "triangular2" and restored.scale_fn(3) == 0.25


def test_multiplicative_lr_with_a_number_is_a_type_error():
    for m in (cr, torch):
        for bad in (0.95, [0.95, 0.95]):
            with pytest.raises(TypeError, match="lr_lambda should be a function"):
                m.optim.lr_scheduler.MultiplicativeLR(_opt(m), bad)


@pytest.mark.parametrize("T_mult", [1, 2, 4])
def test_CosineAnnealingWarmRestarts_lr1(T_mult):
    t_i, t_cur, targets = 10, 0, [[0.05], [0.5]]
    for _ in range(1, 100):
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, T_mult * t_i
        for row, base in zip(targets, (0.05, 0.5)):
            row.append(1e-10 + (base - 1e-10) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
    make = lambda S, o: [S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=T_mult, eta_min=1e-10)]  # noqa: E731
    ours = _lrs_by_stepping(cr, make, 100)
    np.testing.assert_allclose(ours, np.array(targets), rtol=0, atol=1e-5)
    np.testing.assert_allclose(ours, _lrs_by_stepping(torch, make, 100), rtol=1e-12)


def _stepped_to(m, T_mult, epochs):
    opt = _opt(m)
    sched = m.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=T_mult, eta_min=1e-10)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in epochs:
            sched.step(e)
            out.append([g["lr"] for g in opt.param_groups] + [sched.T_cur, sched.T_i])
    return np.array(out)


@pytest.mark.parametrize("T_mult", [1, 2, 4])
def test_CosineAnnealingWarmRestarts_lr2_fractional_epochs(T_mult):
    epochs = [round(e, 1) for e in np.arange(0, 30, 0.1)]
    ours = _stepped_to(cr, T_mult, epochs)
    t_i, t_cur, expected = 10, 0.0, []
    for _ in epochs:
        expected.append(1e-10 + (0.05 - 1e-10) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur = round(t_cur + 0.1, 1)
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, T_mult * t_i
    np.testing.assert_allclose(ours[:, 0], expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(ours, _stepped_to(torch, T_mult, epochs), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("T_mult,epochs,T_curs,T_is", [
    (1, [0, 1, 2, 3, 4, 5, 12, 27, 3, 4, 5, 6, 13], [0, 1, 2, 3, 4, 5, 2, 7, 3, 4, 5, 6, 3], [10] * 13),
    (2, [0, 1, 2, 3, 4, 5, 25, 32, 33, 34, 80, 81, 3], [0, 1, 2, 3, 4, 5, 15, 2, 3, 4, 10, 11, 3],
     [10] * 6 + [20, 40, 40, 40, 80, 80, 10]),
    (3, [0, 0.1, 0.2, 0.3, 1.3, 2.3, 17.5, 18.5, 19.5, 29.5, 30.5, 31.5, 50],
     [0, 0.1, 0.2, 0.3, 1.3, 2.3, 7.5, 8.5, 9.5, 19.5, 20.5, 21.5, 10], [10] * 6 + [30] * 6 + [90]),
])
def test_CosineAnnealingWarmRestarts_lr3_interleaved_epochs(T_mult, epochs, T_curs, T_is):
    ours = _stepped_to(cr, T_mult, epochs)
    np.testing.assert_allclose(ours[:, 2], T_curs, atol=1e-9)
    np.testing.assert_allclose(ours[:, 3], T_is)
    np.testing.assert_allclose(ours, _stepped_to(torch, T_mult, epochs), rtol=1e-12, atol=1e-15)


def test_CosineAnnealingWarmRestarts_T_cur_reset():
    sched = cr.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(cr), T_0=4)
    for epoch in (7, 8, 9):
        sched.T_cur = epoch
        sched.step()
        assert sched.T_cur == (epoch + 1) % 4


@pytest.mark.parametrize("make", [
    lambda S, o: S.ConstantLR(o), lambda S, o: S.LinearLR(o), lambda S, o: S.PolynomialLR(o, power=0.9)],
    ids=["constantlr", "linearlr", "polynomial_lr"])
def test_lr_is_constant_for_constant_epoch(make):
    opt = _opt(cr)
    sched = make(cr.optim.lr_scheduler, opt)
    seen = []
    for _ in range(10):
        opt.step()
        with pytest.warns(UserWarning, match="deprecated"):
            sched.step(2)
        seen.append(opt.param_groups[0]["lr"])
    assert min(seen) == max(seen)


@pytest.mark.parametrize("make", [lambda S, o: S.ConstantLR(o, factor=1.0 / 3, total_iters=4),
                                  lambda S, o: S.PolynomialLR(o, power=0.9)], ids=["constantlr", "poly_lr"])
def test_closed_form_equals_the_recursive_form(make):
    """test_closed_form_*: step(epoch) (the closed form) and step() (recursive) give the same learning rates."""
    closed, recursive = [], []
    for rows, with_epoch in ((closed, True), (recursive, False)):
        opt = _opt(cr)
        sched = make(cr.optim.lr_scheduler, opt)
        for epoch in range(20):
            opt.step()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched.step(epoch + 1) if with_epoch else sched.step()
            rows.append([g["lr"] for g in opt.param_groups])
    np.testing.assert_allclose(recursive, closed, rtol=0, atol=1e-5)


def test_warm_restarts_state_dict():
    S = cr.optim.lr_scheduler
    opt = _opt(cr)
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2)
    for _ in range(10):
        opt.step()
        sched.step()
    copy_ = S.CosineAnnealingWarmRestarts(opt, T_0=100)
    copy_.load_state_dict(sched.state_dict())
    assert {k: v for k, v in copy_.__dict__.items() if k != "optimizer"} == \
        {k: v for k, v in sched.__dict__.items() if k != "optimizer"}
    assert copy_.get_last_lr() == sched.get_last_lr()


def test_cosine_then_cyclic_stays_below_max_lr():
    opt = cr.optim.SGD([cr.tensor(np.zeros(2), requires_grad=True)], lr=0.5)
    first = cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20, eta_min=0.1)
    second = cr.optim.lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.3, step_size_up=1, step_size_down=3)
    for i in range(40):
        opt.step()
        (first if i <= first.T_max else second).step()
    assert opt.param_groups[0]["lr"] <= 0.3
