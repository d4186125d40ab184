"""Random augmentation of image batches: horizontal flip and random crop with zero padding.

Layout: NHWC, i.e. batches of shape (N, H, W, C), or the same flattened to (N, H*W*C) when the
transform is given ``image_shape=(H, W, C)``; the output has the shape of the input. Zero padding
is the channel mean once the data is normalized.

Each transform draws its random parameters for a whole batch in `draw` and applies them in `apply`;
`chainrule.data.DataLoader` draws them for the global batch from (seed, epoch, batch index), so a
resumed or sharded run augments every sample exactly as an uninterrupted single-process run would.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError, ShapeError


class Transform:
    """Base class: ``draw(n, rng) -> params`` (arrays with a leading axis of n, or None) and ``apply(X, params)``."""

    image_shape = None

    def draw(self, n: int, rng: np.random.Generator):
        return None

    def apply(self, X, params):
        raise NotImplementedError

    def __call__(self, X, rng=None):
        """Augment batch ``X`` with parameters drawn from ``rng`` (a Generator or a seed)."""
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        return self.apply(X, self.draw(len(X), rng))

    def _images(self, X):
        X = np.asarray(X)
        if X.ndim == 4:
            return X, X.shape
        if X.ndim == 2 and self.image_shape is not None and X.shape[1] == int(np.prod(self.image_shape)):
            return X.reshape((X.shape[0],) + tuple(self.image_shape)), X.shape
        raise ShapeError(
            f"{type(self).__name__} got a batch of shape {X.shape}; pass NHWC images (N, H, W, C), or flattened "
            "rows together with image_shape=(H, W, C)."
        )


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5, image_shape=None):
        if not 0 <= p <= 1:
            raise ConfigError(f"p={p!r} is not a probability; pass a value in [0, 1].")
        self.p, self.image_shape = float(p), image_shape

    def draw(self, n, rng):
        return rng.random(n) < self.p

    def apply(self, X, flip):
        imgs, shape = self._images(X)
        out = imgs.copy()
        out[flip] = imgs[flip][:, :, ::-1]
        return out.reshape(shape)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop(Transform):
    """Pad each image with ``padding`` zeros on every side, then cut a random window of the original size."""

    def __init__(self, padding: int = 4, image_shape=None):
        if int(padding) != padding or padding < 0:
            raise ConfigError(f"padding={padding!r} is not a non-negative integer; pass e.g. padding=4.")
        self.padding, self.image_shape = int(padding), image_shape

    def draw(self, n, rng):
        return rng.integers(0, 2 * self.padding + 1, size=(n, 2))

    def apply(self, X, offsets):
        imgs, shape = self._images(X)
        p = self.padding
        if p == 0:
            return imgs.copy().reshape(shape)
        n, H, W, _ = imgs.shape
        padded = np.pad(imgs, ((0, 0), (p, p), (p, p), (0, 0)))
        out = np.empty_like(imgs)
        offsets = np.asarray(offsets)
        key = offsets[:, 0] * (2 * p + 1) + offsets[:, 1]
        for k in np.unique(key):       # one slice copy per distinct offset, not a gather per pixel
            dy, dx = divmod(int(k), 2 * p + 1)
            rows = np.flatnonzero(key == k)
            out[rows] = padded[rows, dy:dy + H, dx:dx + W]
        return out.reshape(shape)

    def __repr__(self):
        return f"RandomCrop(padding={self.padding})"


class Compose(Transform):
    """Apply ``transforms`` in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def draw(self, n, rng):
        return tuple(t.draw(n, rng) for t in self.transforms)

    def apply(self, X, params):
        for t, p in zip(self.transforms, params):
            X = t.apply(X, p)
        return X

    def __repr__(self):
        return f"Compose({self.transforms!r})"


def standard_augmentation(image_shape, padding: int = 4, flip: bool = True) -> Compose:
    """The usual CIFAR-10 augmentation: random crop with ``padding``, then a random horizontal flip."""
    steps = [RandomCrop(padding, image_shape)]
    if flip:
        steps.append(RandomHorizontalFlip(0.5, image_shape))
    return Compose(steps)


def take_params(params, index):
    """Select samples ``index`` (a slice) from the parameters `Transform.draw` returned."""
    if params is None:
        return None
    if isinstance(params, tuple):
        return tuple(take_params(p, index) for p in params)
    return params[index]
