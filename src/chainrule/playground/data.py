"""The playground's data: generated 2-D sets, the user's CSV, the train/test split and the input features."""
from __future__ import annotations

import math

import numpy as np

from ..data import toy
from ..errors import DataError
from .config import MAX_POINTS

MAX_CSV_BYTES = 256 * 1024
MAX_COORD = 1000.0

#: the Python expression of each feature (the exported code uses the same text), on columns x1 = X[:, 0], x2 = X[:, 1]
FEATURE_CODE = {"x1": "x1", "x2": "x2", "x1sq": "x1 ** 2", "x2sq": "x2 ** 2", "x1x2": "x1 * x2",
                "sin1": "np.sin(x1)", "sin2": "np.sin(x2)"}
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁x₂",
                  "sin1": "sin(x₁)", "sin2": "sin(x₂)"}


def features(X: np.ndarray, names) -> np.ndarray:
    """The chosen input features of points ``X`` (n, 2), as float32 columns in the order of ``names``."""
    x1, x2 = X[:, 0], X[:, 1]
    cols = {"x1": lambda: x1, "x2": lambda: x2, "x1sq": lambda: x1 ** 2, "x2sq": lambda: x2 ** 2,
            "x1x2": lambda: x1 * x2, "sin1": lambda: np.sin(x1), "sin2": lambda: np.sin(x2)}
    return np.stack([cols[n]() for n in names], axis=1).astype(np.float32)


def gaussian(n_per_class=100, n_classes=2, noise=0.1, seed=0):
    """Gaussian blobs: class j centred on a circle of radius 1 at angle 2 pi j / K, spread 0.25 + noise."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = np.c_[np.cos(angles), np.sin(angles)]
    X = np.concatenate([c + rng.normal(scale=0.25 + noise, size=(n_per_class, 2)) for c in centres])
    return X.astype(np.float32), np.repeat(np.arange(n_classes), n_per_class).astype(np.int64)


def regression_set(name, n, noise=0.1, seed=0):
    """``plane``: y = (x1 + x2) / 2; ``bumps``: two Gaussian bumps of opposite sign; x uniform in [-1, 1]^2."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    if name == "plane":
        y = (X[:, 0] + X[:, 1]) / 2
    else:
        y = np.exp(-((X[:, 0] - 0.4) ** 2 + (X[:, 1] - 0.4) ** 2) / 0.2) \
            - np.exp(-((X[:, 0] + 0.4) ** 2 + (X[:, 1] + 0.4) ** 2) / 0.2)
    y = y + rng.normal(scale=noise, size=n)
    return X.astype(np.float32), y.astype(np.float32)


def generate(cfg):
    """The points and targets of ``cfg``'s generated data set (not for ``custom``)."""
    if cfg.problem == "regression":
        return regression_set(cfg.dataset, cfg.points, cfg.noise, cfg.seed)
    k = cfg.classes if cfg.dataset in ("spiral", "gaussian") else 2
    per = max(1, cfg.points // k)
    if cfg.dataset == "gaussian":
        return gaussian(per, k, cfg.noise, cfg.seed)
    kw = {"n_classes": k} if cfg.dataset == "spiral" else {}
    ds = toy.TOY_DATASETS[cfg.dataset](n_per_class=per, noise=cfg.noise, seed=cfg.seed, **kw)
    return np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y, dtype=np.int64)


def split(n: int, train_ratio: float, seed: int):
    """Indices of the train and test points: a seeded permutation, the first ``round(ratio n)`` train."""
    perm = np.random.default_rng(seed).permutation(n)
    n_train = min(n, max(1, int(round(train_ratio * n))))
    return perm[:n_train], perm[n_train:]


def parse_csv(text: str, problem: str = "classification"):
    """``x1,x2,label`` rows (an optional header first) into points and targets; `DataError` names the bad row.

    Labels are class numbers 0..9 for classification, any finite number for regression. Coordinates must be
    finite and within +-1000; at most 2000 rows and 256 KiB.
    """
    if len(text.encode("utf-8")) > MAX_CSV_BYTES:
        raise DataError(f"The CSV file is larger than {MAX_CSV_BYTES // 1024} KiB; upload at most {MAX_POINTS} rows.")
    rows = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != 3:
            raise DataError(f"Row {number}: expected 3 values (x1,x2,label), got {len(cells)}.")
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if not rows and number == _first_content(lines):
                continue                                     # a header row
            bad = next(c for c in cells if not _is_float(c))
            raise DataError(f"Row {number}: {bad!r} is not a number.") from None
        if not all(math.isfinite(v) for v in values):
            raise DataError(f"Row {number}: values must be finite numbers, got {line.strip()!r}.")
        if abs(values[0]) > MAX_COORD or abs(values[1]) > MAX_COORD:
            raise DataError(f"Row {number}: x1 and x2 must be within +-{MAX_COORD:g}, got {values[0]:g}, {values[1]:g}.")
        if problem == "classification" and (not values[2].is_integer() or not 0 <= values[2] <= 9):
            raise DataError(f"Row {number}: the label must be a class number 0 to 9, got {cells[2]!r}.")
        rows.append(values)
        if len(rows) > MAX_POINTS:
            raise DataError(f"Row {number}: the file has more than {MAX_POINTS} rows; upload at most {MAX_POINTS}.")
    if not rows:
        raise DataError("The CSV file has no data rows; write one point per line as x1,x2,label.")
    a = np.asarray(rows, dtype=np.float64)
    y = a[:, 2].astype(np.int64) if problem == "classification" else a[:, 2].astype(np.float32)
    return a[:, :2].astype(np.float32), y


def _first_content(lines) -> int:
    return next(i for i, line in enumerate(lines, start=1) if line.strip() and not line.lstrip().startswith("#"))


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False
