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
        n = X.shape[0]
        rows = X.reshape(n, -1)
        # uint8 values are exact in float32 and their squares too; sums in float64 stay exact.
        work = np.float32 if X.dtype == np.uint8 else np.float64
        s1 = np.zeros(rows.shape[1])
        for start in range(0, n, 2048):
            s1 += rows[start:start + 2048].astype(work).sum(axis=0, dtype=np.float64)
        per_channel = self.mode == "per_channel" and X.ndim > 2
        channels = X.shape[-1] if per_channel else rows.shape[1]
        count = n * (rows.shape[1] // channels)
        mean = s1.reshape(-1, channels).sum(axis=0) / count
        center = np.tile(mean, rows.shape[1] // channels)
        s2 = np.zeros(rows.shape[1])
        if self.mode != "mean_image":
            for start in range(0, n, 2048):                 # second pass: exact-ish variance, no cancellation
                c = rows[start:start + 2048].astype(work)
                c -= center.astype(c.dtype)
                c *= c
                s2 += c.sum(axis=0, dtype=np.float64)
        std = np.sqrt(s2.reshape(-1, channels).sum(axis=0) / count) * self.scale
        mean = mean * self.scale
        if self.mode == "mean_image":
            std = np.ones_like(mean)
        std = np.where(std < self.eps, 1.0, std)              # constant features stay at 0, not NaN
        shape = (X.shape[-1],) if per_channel else self.sample_shape
        self.mean, self.std = mean.reshape(shape).astype(np.float32), std.reshape(shape).astype(np.float32)
        return self

    def _affine(self):
        """Per-column ``a, b`` (float32, length D) with ``transform(x) = x * a + b`` on flattened rows."""
        d = int(np.prod(self.sample_shape))
        mean = np.broadcast_to(self.mean, self.sample_shape if self.mean.size > 1 else (1,)).reshape(-1)
        std = np.broadcast_to(self.std, self.sample_shape if self.std.size > 1 else (1,)).reshape(-1)
        if self.mode in ("none", "scale"):
            mean, std = np.zeros(1), np.ones(1)
        a = np.float64(self.scale) / std
        b = -mean / std
        if self.mode == "mean_image":
            a, b = np.full(1, self.scale), -mean
        return (np.resize(a, d).astype(np.float32), np.resize(b, d).astype(np.float32))

    def transform(self, X) -> np.ndarray:
        """Preprocess raw samples ``X`` (N, *sample_shape) to float32 (N, D) or (N, *sample_shape)."""
        if not self.fitted:
            raise ConfigError("This Preprocessor is not fitted; call fit(training_samples) first.")
        X = np.asarray(X)
        if X.shape[1:] != tuple(self.sample_shape):
            raise DataError(f"Samples of shape {X.shape[1:]} given to a Preprocessor fitted on {tuple(self.sample_shape)}; "
                            "pass raw samples of the training shape.")
        d = int(np.prod(self.sample_shape))
        out = X.reshape(X.shape[0], d).astype(np.float32)    # rows of length D: long inner loops below
        a, b = self._affine()
        if self.mode != "none":
            out *= a
        if self.mode not in ("none", "scale"):
            out += b
        return out if self.flatten else out.reshape(X.shape)

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
