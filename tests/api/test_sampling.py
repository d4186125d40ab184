"""The random functions and fills draw the right distributions (fixed seeds, so never flaky: each bound is
several standard errors wide), repeat under a seed, take a NumPy ``generator=``, and pass PyTorch's gradients
(the conformance table compares shapes, dtypes and error classes with torch)."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

N = 40_000


def moments(t):
    a = np.asarray(t.detach().data, np.float64)
    return a.mean(), a.var()


def near(value, expected, sd):
    """Within 6 standard errors of the mean of N draws whose standard deviation is ``sd``."""
    assert abs(value - expected) < 6 * sd / np.sqrt(N), (value, expected)


FILLS = [  # (fill, args, mean, variance)
    ("uniform_", (-1.0, 3.0), 1.0, 16 / 12),
    ("normal_", (2.0, 0.5), 2.0, 0.25),
    ("exponential_", (4.0,), 0.25, 1 / 16),
    ("log_normal_", (0.0, 0.25), np.exp(0.25 ** 2 / 2), (np.exp(0.25 ** 2) - 1) * np.exp(0.25 ** 2)),
    ("geometric_", (0.25,), 4.0, 0.75 / 0.25 ** 2),
    ("bernoulli_", (0.3,), 0.3, 0.21),
    ("random_", (-2, 6), 1.5, (8 ** 2 - 1) / 12),
    ("random_", (10,), 4.5, (10 ** 2 - 1) / 12),
]


@pytest.mark.parametrize("name, args, mean, var", FILLS, ids=[f"{f[0]}{f[1]}" for f in FILLS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fills_draw_their_distribution(name, args, mean, var, dtype):
    cr.manual_seed(1)
    t = getattr(cr.zeros(N, dtype=dtype), name)(*args)
    m, v = moments(t)
    near(m, mean, np.sqrt(var))
    assert abs(v - var) < 0.05 * var
    if name == "uniform_":
        assert t.data.min() >= -1 and t.data.max() < 3


def test_cauchy_quartiles_are_median_plus_minus_sigma():
    cr.manual_seed(2)
    q1, q2, q3 = np.quantile(cr.zeros(N).cauchy_(1.0, 2.0).data, [0.25, 0.5, 0.75])
    assert abs(q2 - 1) < 0.1 and abs(q1 + 1) < 0.1 and abs(q3 - 3) < 0.1


def test_random_without_bounds_covers_the_exactly_held_integers():
    cr.manual_seed(3)
    f = cr.zeros(N).random_().data
    assert (f == np.round(f)).all() and f.min() >= 0 and f.max() <= 2 ** 24 and f.max() > 2 ** 23
    b = cr.zeros(N, dtype="bool").random_().data
    assert 0.45 < b.mean() < 0.55


def test_factories_draw_their_distributions():
    cr.manual_seed(4)
    counts = np.bincount(cr.randint(-2, 3, (N,)).data + 2, minlength=5)
    assert (np.abs(counts - N / 5) < 6 * np.sqrt(N * 0.2 * 0.8)).all()
    near(moments(cr.normal(3.0, 2.0, (N,)))[0], 3.0, 2.0)
    near(moments(cr.rand_like(cr.zeros(N)))[0], 0.5, np.sqrt(1 / 12))
    near(moments(cr.randn_like(cr.zeros(N, dtype="float64")))[0], 0.0, 1.0)
    near(moments(cr.poisson(cr.full((N,), 3.0)))[0], 3.0, np.sqrt(3.0))
    near(moments(cr.bernoulli(cr.full((N,), 0.2)))[0], 0.2, 0.4)
    near(moments(cr.randint_like(cr.zeros(N), 10))[0], 4.5, np.sqrt(99 / 12))
    p = cr.randperm(1000).data
    assert sorted(p) == list(range(1000)) and (p != np.arange(1000)).any()


def test_multinomial_frequencies_with_and_without_replacement():
    cr.manual_seed(5)
    w = cr.tensor([[1.0, 0.0, 3.0, 4.0]] * 2)
    draws = cr.multinomial(w, N // 2, replacement=True).data
    freq = np.bincount(draws.ravel(), minlength=4) / draws.size
    np.testing.assert_allclose(freq, [0.125, 0.0, 0.375, 0.5], atol=6 * np.sqrt(0.25 / draws.size))
    first = np.array([cr.multinomial(w[0], 2).data for _ in range(4000)])
    assert (first[:, 0] != first[:, 1]).all() and not (first == 1).any()
    np.testing.assert_allclose(np.bincount(first[:, 0], minlength=4) / 4000, [0.125, 0, 0.375, 0.5], atol=0.04)
    # the second draw, without putting the first back: P(second = 3) = sum over first i != 3 of p_i * 4 / (8 - w_i)
    second = (0.125 * 4 / 7 + 0.375 * 4 / 5)
    assert abs((first[:, 1] == 3).mean() - second) < 0.04
    assert sorted(cr.multinomial(cr.tensor([0.0, 1.0, 1.0]), 3).data[:2]) == [1, 2]


@pytest.mark.parametrize("shape", [(0, 0), (0, 4)])
@pytest.mark.parametrize("n", [1, 3])
def test_multinomial_of_no_rows_is_empty_as_pytorchs(shape, n):
    ours = cr.multinomial(cr.zeros(*shape), n, replacement=True)
    theirs = torch.multinomial(torch.zeros(*shape), n, replacement=True)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int64


@pytest.mark.parametrize("shape", [(0,), (3, 0)])
def test_multinomial_of_rows_without_categories_is_refused_as_pytorchs(shape):
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.zeros(*shape), 1, True)
    with pytest.raises(RuntimeError):
        cr.multinomial(cr.zeros(*shape), 1, True)


def test_a_seed_repeats_every_draw_and_a_generator_is_used_alone():
    def draws(**g):
        x = cr.zeros(5)
        return [cr.randint(9, (4,), **g), cr.randperm(6, **g), cr.normal(0.0, 1.0, (3,), **g),
                cr.rand_like(x, **g), cr.multinomial(cr.ones(5), 3, **g), x.uniform_(**g).clone(),
                x.normal_(**g).clone(), x.random_(4, **g).clone(), x.bernoulli_(**g).clone(),
                x.exponential_(**g).clone(), cr.bernoulli(cr.full((4,), 0.5), **g), cr.poisson(cr.ones(3), **g)]

    cr.manual_seed(7)
    a = draws()
    cr.manual_seed(7)
    b = draws()
    assert all(np.array_equal(x.data, y.data) for x, y in zip(a, b))
    cr.manual_seed(7)
    c = draws(generator=np.random.default_rng(0))
    d = draws(generator=np.random.default_rng(0))
    assert all(np.array_equal(x.data, y.data) for x, y in zip(c, d))
    assert np.array_equal(cr.randint(9, (4,)).data, a[0].data)      # the global stream was not touched


def test_normal_passes_a_zero_gradient_as_pytorchs():
    mean, std = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, 2.0])
    for lib in (cr, torch):
        m, s = lib.tensor(mean, requires_grad=True), lib.tensor(std, requires_grad=True)
        (lib.normal(m, s) + lib.normal(m, 2.0) + lib.normal(1.0, s) + lib.normal(m, s[:1])).sum().backward()
        np.testing.assert_array_equal(m.grad.numpy(), 0)
        np.testing.assert_array_equal(s.grad.numpy(), 0)


@pytest.mark.parametrize("make", [lambda lib, p: lib.bernoulli(p), lambda lib, p: lib.poisson(p),
                                  lambda lib, p: (p * 1).uniform_(), lambda lib, p: (p * 1).normal_(),
                                  lambda lib, p: (p * 1).bernoulli_(0.5), lambda lib, p: (p * 1).exponential_()])
def test_samples_pass_a_zero_gradient_as_pytorchs(make):
    grads = []
    for lib in (cr, torch):
        p = lib.tensor([0.2, 0.5, 0.9], requires_grad=True)
        (make(lib, p) * 3).sum().backward()
        grads.append(p.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], 0)


def test_a_fill_of_a_leaf_that_requires_grad_is_refused_but_not_under_no_grad():
    w = cr.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.normal_()
    with cr.no_grad():
        assert w.uniform_() is w and w._version == 1
