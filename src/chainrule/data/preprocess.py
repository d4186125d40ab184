"""Holding out a validation split, and preprocessing whose statistics come from the training split only.

`Preprocessor` turns raw samples (uint8 images (N, H, W, C) or float features (N, D)) into the
float32 inputs a model sees. Its modes, all fitted on the training split:

* ``"none"``: the raw values as float32 (CS231n's assignment 1 starts here).
* ``"scale"``: uint8 pixels divided by 255, into [0, 1] (a no-op for float features).
* ``"mean_image"``: scaled, minus the mean training image (CS231n's mean-image subtraction).
* ``"per_channel"``: scaled, minus each channel's mean, divided by its standard deviation (for
  plain features every column is its own channel, so this equals ``"standardize"``).
* ``"standardize"``: scaled, minus each feature's (pixel's) mean, divided by its standard deviation.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError, DataError

NORMALIZE_MODES = ("none", "scale", "mean_image", "per_channel", "standardize")
SPLIT_METHODS = ("stratified", "random", "last")


def _val_count(val_size, n: int, what: str) -> int:
    if val_size is None:
        return 0
    if isinstance(val_size, float) and 0 < val_size < 1:
        return int(round(val_size * n))
    if int(val_size) != val_size or not 0 <= val_size < n:
        raise ConfigError(
            f"val_size={val_size!r} does not fit the {n} {what} samples; pass a count in [0, {n - 1}] "
            "or a fraction in (0, 1)."
        )
    return int(val_size)


def train_val_split(y, val_size, seed=0, method: str = "stratified"):
    """Indices ``(train_idx, val_idx)`` (sorted int64 arrays) holding out ``val_size`` of the samples labelled ``y``.

    ``val_size`` is a count or a fraction in (0, 1). ``method``: ``"stratified"`` keeps each class's
    share (largest-remainder rounding), ``"random"`` draws uniformly, ``"last"`` takes the last samples
    (CS231n's ``range(49000, 50000)``). The draw depends only on ``seed``.
    """
    y = np.asarray(y)
    n = y.shape[0]
    k = _val_count(val_size, n, "training")
    if method not in SPLIT_METHODS:
        raise ConfigError(f"Unknown split method {method!r}; use one of {', '.join(SPLIT_METHODS)}.")
    rng = np.random.default_rng(seed)
    if method == "last":
        val = np.arange(n - k, n)
    elif method == "random":
        val = np.sort(rng.permutation(n)[:k])
    else:
        classes, counts = np.unique(y, return_counts=True)
        share = k * counts / n
        take = np.floor(share).astype(np.int64)
        order = np.argsort(-(share - take), kind="stable")
        take[order[: k - take.sum()]] += 1
        val = np.sort(np.concatenate(
            [rng.permutation(np.flatnonzero(y == c))[:t] for c, t in zip(classes, take)] + [np.zeros(0, np.int64)]))
    mask = np.ones(n, dtype=bool)
    mask[val] = False
    return np.flatnonzero(mask), val.astype(np.int64)


class Preprocessor:
    """Maps raw samples to float32 model inputs with statistics fitted on training data only.

    ``mode`` is one of `NORMALIZE_MODES`; ``flatten=True`` returns (N, D) rows (images in HWC order),
    otherwise (N, *sample_shape). Save it with `state_dict` to preprocess new data the same way.
    """

    def __init__(self, mode: str = "per_channel", flatten: bool = True, eps: float = 1e-8):
        if mode not in NORMALIZE_MODES:
            raise ConfigError(f"Unknown normalize mode {mode!r}; use one of {', '.join(NORMALIZE_MODES)}.")
        self.mode, self.flatten, self.eps = mode, bool(flatten), float(eps)
        self.scale = self.mean = self.std = self.sample_shape = None

    @property
    def fitted(self) -> bool:
        return self.mean is not None

    def fit(self, X) -> "Preprocessor":
        """Compute the statistics from training samples ``X`` (N, ...); returns self."""
        X = np.asarray(X)
        if X.ndim < 2 or X.shape[0] == 0:
            raise DataError(f"Cannot fit preprocessing on data of shape {X.shape}; pass at least one training sample.")
        self.sample_shape = X.shape[1:]
        self.scale = 1.0 / 255.0 if (X.dtype == np.uint8 and self.mode != "none") else 1.0
        if self.mode in ("none", "scale"):
            self.mean, self.std = np.zeros(1, np.float32), np.ones(1, np.float32)
            return self
        axes = (0,) if (self.mode in ("mean_image", "standardize") or X.ndim == 2) else tuple(range(X.ndim - 1))
        total, total_sq, count = 0.0, 0.0, 0
        for start in range(0, X.shape[0], 4096):             # float64 sums in chunks: bounded memory
            chunk = X[start:start + 4096].astype(np.float64) * self.scale
            total = total + chunk.sum(axis=axes)
            total_sq = total_sq + np.square(chunk).sum(axis=axes)
            count += int(np.prod([chunk.shape[a] for a in axes]))
        mean = total / count
        std = np.sqrt(np.maximum(total_sq / count - mean ** 2, 0.0))
        if self.mode == "mean_image":
            std = np.ones_like(mean)
        std = np.where(std < self.eps, 1.0, std)              # constant features stay at 0, not NaN
        self.mean, self.std = mean.astype(np.float32), std.astype(np.float32)
        return self

    def transform(self, X) -> np.ndarray:
        """Preprocess raw samples ``X`` (N, *sample_shape) to float32 (N, D) or (N, *sample_shape)."""
        if not self.fitted:
            raise ConfigError("This Preprocessor is not fitted; call fit(training_samples) first.")
        X = np.asarray(X)
        if X.shape[1:] != tuple(self.sample_shape):
            raise DataError(f"Samples of shape {X.shape[1:]} given to a Preprocessor fitted on {tuple(self.sample_shape)}; "
                            "pass raw samples of the training shape.")
        out = X.astype(np.float32)
        if self.scale != 1.0:
            out *= np.float32(self.scale)
        if self.mode not in ("none", "scale"):
            out -= self.mean
            if self.mode != "mean_image":
                out /= self.std
        return out.reshape(out.shape[0], -1) if self.flatten else out

    def inverse(self, X) -> np.ndarray:
        """Undo `transform`: float32 samples in raw units (0..255 for images), shape (N, *sample_shape)."""
        out = np.asarray(X, dtype=np.float32).reshape((-1,) + tuple(self.sample_shape)).copy()
        if self.mode not in ("none", "scale"):
            if self.mode != "mean_image":
                out *= self.std
            out += self.mean
        if self.scale != 1.0:
            out /= np.float32(self.scale)
        return out

    def state_dict(self) -> dict:
        """The fitted state as plain values and float32 arrays (saveable with safetensors + JSON)."""
        return {"mode": self.mode, "flatten": self.flatten, "eps": self.eps, "scale": self.scale,
                "sample_shape": list(self.sample_shape) if self.sample_shape is not None else None,
                "mean": self.mean, "std": self.std}

    def load_state_dict(self, state: dict) -> "Preprocessor":
        self.__init__(state["mode"], state["flatten"], state.get("eps", 1e-8))
        self.scale = float(state["scale"]) if state["scale"] is not None else None
        self.sample_shape = tuple(state["sample_shape"]) if state["sample_shape"] is not None else None
        self.mean = None if state["mean"] is None else np.asarray(state["mean"], np.float32)
        self.std = None if state["std"] is None else np.asarray(state["std"], np.float32)
        return self

    def __repr__(self) -> str:
        return f"Preprocessor(mode={self.mode!r}, flatten={self.flatten}, fitted={self.fitted})"
