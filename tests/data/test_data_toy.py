"""Toy 2-D data sets: the exact CS231n spiral, shapes, class balance, determinism."""
import numpy as np
import pytest

import chainrule.data as crd
from chainrule.errors import ConfigError


def cs231n_spiral(N=100, K=3):
    """The notebook's code, verbatim in spirit: np.random.seed(0) then randn noise per class."""
    np.random.seed(0)
    X = np.zeros((N * K, 2))
    y = np.zeros(N * K, dtype="uint8")
    for j in range(K):
        ix = range(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 4, (j + 1) * 4, N) + np.random.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


def test_spiral_is_the_cs231n_spiral():
    X, y = cs231n_spiral()
    ds = crd.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0)
    np.testing.assert_array_equal(ds.X, X.astype(np.float32))
    np.testing.assert_array_equal(ds.y, y)


@pytest.mark.parametrize("gen,k", [(crd.spiral, 3), (crd.moons, 2), (crd.circles, 2), (crd.xor, 2)])
def test_shapes_dtypes_balance_determinism(gen, k):
    a, b, c = gen(n_per_class=37, seed=5), gen(n_per_class=37, seed=5), gen(n_per_class=37, seed=6)
    assert a.X.shape == (37 * k, 2) and a.X.dtype == np.float32 and a.y.dtype == np.int64
    assert list(a.class_counts()) == [37] * k and len(a.classes) == k
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    assert np.all(np.isfinite(a.X))


def test_geometry():
    circ = crd.circles(n_per_class=50, noise=0.0, factor=0.3)
    radius = np.linalg.norm(circ.X, axis=1)
    np.testing.assert_allclose(radius[circ.y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[circ.y == 1], 0.3, atol=1e-6)
    x = crd.xor(n_per_class=200, noise=0.0)
    same_sign = np.sign(x.X[:, 0]) == np.sign(x.X[:, 1])
    np.testing.assert_array_equal(same_sign, x.y == 0)


@pytest.mark.parametrize("kwargs", [{"n_per_class": 0}, {"n_per_class": 2.5}, {"noise": -1.0}, {"n_classes": 0}])
def test_bad_arguments(kwargs):
    with pytest.raises(ConfigError):
        crd.spiral(**kwargs)


def test_noisy_spiral_is_lecture_3_1s_data():
    from chainrule.data import load_dataset, spiral
    s = load_dataset("noisy-spiral")
    assert (len(s.train), len(s.val), len(s.test)) == (90, 600, 90) and s.train.name == "noisy-spiral"
    np.testing.assert_array_equal(s.train.X, spiral(n_per_class=30, noise=0.8, seed=0).X)
    assert len(load_dataset("noisy-spiral", val_size=30).val) == 30
