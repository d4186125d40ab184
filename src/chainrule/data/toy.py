"""Two-dimensional toy data sets generated in code: spiral (CS231n), moons, circles, xor.

Each returns a `Dataset` with X float32 of shape (n_per_class * n_classes, 2) and y int64, samples
grouped by class (class 0 first), and is a pure function of its arguments: the same seed gives the
same points on every machine.
"""
from __future__ import annotations

import numpy as np

from .._validate import integer, real
from ..errors import ConfigError
from .dataset import Dataset

MAX_SAMPLES = 10_000_000      # points of one generated split (160 MB as float64)


def _check_counts(n_per_class, n_classes=2):
    N, K = integer(n_per_class), integer(n_classes)
    if N is None or N < 1:
        raise ConfigError(f"n_per_class={n_per_class!r} is not a positive integer; pass e.g. n_per_class=100.")
    if K is None or K < 1:
        raise ConfigError(f"n_classes={n_classes!r} is not a positive integer; pass e.g. n_classes=3.")
    if N * K > MAX_SAMPLES:
        raise ConfigError(f"n_per_class={n_per_class!r} x n_classes={n_classes!r} asks for more than the "
                          f"{MAX_SAMPLES:,} points a toy data set may have; ask for fewer.")
    return N, K


def _check_noise(noise):
    x = real(noise)
    if x is None or not x >= 0:
        raise ConfigError(f"noise={noise!r} is negative or not a number; pass a standard deviation >= 0.")
    return x


def spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0) -> Dataset:
    """The CS231n spiral: class j has radius r = linspace(0, 1, N) and angle t = linspace(4j, 4(j+1), N)
    plus Gaussian noise of std ``noise``; X = r * [sin t, cos t].

    The noise comes from ``np.random.RandomState(seed).randn``, so ``spiral(seed=0)`` equals the
    notebook's points after ``np.random.seed(0)`` (computed in float64, stored as float32).
    """
    N, K = _check_counts(n_per_class, n_classes)
    noise = _check_noise(noise)
    rng = np.random.RandomState(seed)
    X = np.zeros((N * K, 2))
    y = np.zeros(N * K, dtype=np.int64)
    for j in range(K):
        ix = slice(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 4, (j + 1) * 4, N) + rng.randn(N) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return Dataset(X, y, [str(j) for j in range(K)], name="spiral", source="generated")


def moons(n_per_class=100, noise=0.1, seed=0) -> Dataset:
    """Two interleaving half circles (class 0 the upper moon, class 1 the lower), Gaussian noise of std ``noise``."""
    N, _ = _check_counts(n_per_class)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    t = np.linspace(0, np.pi, N)
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    X = np.concatenate([upper, lower]) + rng.normal(scale=noise, size=(2 * N, 2))
    y = np.repeat(np.arange(2), N)
    return Dataset(X, y, ["upper", "lower"], name="moons", source="generated")


def circles(n_per_class=100, noise=0.05, factor=0.5, seed=0) -> Dataset:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` (0 < factor < 1)."""
    N, _ = _check_counts(n_per_class)
    noise = _check_noise(noise)
    if not 0 < factor < 1:
        raise ConfigError(f"factor={factor!r} is outside (0, 1); pass the inner radius relative to the outer, e.g. 0.5.")
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, N, endpoint=False)
    ring = np.c_[np.cos(t), np.sin(t)]
    X = np.concatenate([ring, factor * ring]) + rng.normal(scale=noise, size=(2 * N, 2))
    y = np.repeat(np.arange(2), N)
    return Dataset(X, y, ["outer", "inner"], name="circles", source="generated")


def xor(n_per_class=100, noise=0.1, seed=0) -> Dataset:
    """Points in the four quadrants of [-1, 1]^2: class 0 where x0 and x1 have the same sign, class 1
    where they differ (half of each class in each of its two quadrants), plus Gaussian noise of std ``noise``."""
    N, _ = _check_counts(n_per_class)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    parts = []
    for label in (0, 1):
        mag = rng.uniform(0.0, 1.0, size=(N, 2))
        first = np.where(np.arange(N) % 2 == 0, 1.0, -1.0)          # alternate the two quadrants
        second = first if label == 0 else -first
        parts.append(mag * np.c_[first, second])
    X = np.concatenate(parts) + rng.normal(scale=noise, size=(2 * N, 2))
    y = np.repeat(np.arange(2), N)
    return Dataset(X, y, ["same sign", "opposite sign"], name="xor", source="generated")


TOY_DATASETS = {"spiral": spiral, "moons": moons, "circles": circles, "xor": xor}
