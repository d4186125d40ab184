"""The containers every loader returns: a labelled array set (`Dataset`) and its train/val/test `Splits`.

Images are kept in NHWC order (samples, height, width, channels), the order PIL and the CS231n
notebooks use; a flattened image is that array reshaped to (N, H*W*C), so pixel (h, w, c) sits at
column (h*W + w)*C + c.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError


def _what(X) -> str:
    try:
        return f"it holds values of dtype {np.asarray(X).dtype}"
    except (TypeError, ValueError):
        return "its rows differ in length"


def check_finite_values(X, what: str) -> None:
    """Raise `DataError` if ``X`` holds NaN or infinite values, saying how many and where the first one is."""
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)
        raise DataError(f"{what}: {len(bad)} of {X.size} values are NaN or infinite (the first at index "
                        f"{tuple(int(i) for i in bad[0])}); clean or drop those samples.")


class Dataset:
    """Samples ``X`` (float32, shape (N, ...)) with integer labels ``y`` (int64, shape (N,)).

    ``classes`` names label ``k`` as ``classes[k]``; ``name`` is the display name used in printed
    results; ``image_shape`` is (H, W, C) for image data (``X`` is then (N, H*W*C) when flattened or
    (N, H, W, C) otherwise) and None for plain feature vectors; ``source`` says where the data came from.
    ``check_finite=True`` refuses samples holding NaN or infinity (`DataError`).
    Indexing returns ``(X[i], y[i])`` like PyTorch's TensorDataset.
    """

    def __init__(self, X, y, classes=None, name="dataset", image_shape=None, source=None, check_finite=False):
        try:
            X = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError):
            raise DataError(f"Dataset {name!r}: X is not an array of numbers ({_what(X)}); pass numeric samples "
                            f"of one shape.") from None
        if check_finite:
            check_finite_values(X, f"Dataset {name!r}")
        y = np.asarray(y)
        if y.ndim != 1 or X.ndim < 1 or X.shape[0] != y.shape[0]:
            raise DataError(
                f"Dataset {name!r} has X of shape {X.shape} and y of shape {y.shape}; "
                "pass one label per row of X as a 1-D array."
            )
        if y.size and y.dtype.kind not in "biuf":
            raise DataError(f"Dataset {name!r} has labels of dtype {y.dtype}; pass integer class indices 0..K-1.")
        if y.size and not np.issubdtype(y.dtype, np.integer):
            if not np.all(np.equal(np.mod(y, 1), 0)):
                raise DataError(f"Dataset {name!r} has non-integer labels; pass class indices 0..K-1.")
        y = y.astype(np.int64, copy=False)
        if classes is None:
            classes = [str(k) for k in range(int(y.max()) + 1 if y.size else 0)]
        classes = [str(c) for c in classes]
        if y.size and (y.min() < 0 or y.max() >= len(classes)):
            raise DataError(
                f"Dataset {name!r} has labels in [{y.min()}, {y.max()}] but {len(classes)} classes; "
                "labels must be class indices 0..K-1."
            )
        if image_shape is not None:
            image_shape = tuple(int(s) for s in image_shape)
            if X.shape[1:] not in (image_shape, (int(np.prod(image_shape)),)):
                raise DataError(
                    f"Dataset {name!r} declares images of shape {image_shape} but X has rows of shape "
                    f"{X.shape[1:]}; pass the (H, W, C) shape of one image."
                )
        self.X = X
        self.y = y
        self.classes = classes
        self.name = str(name)
        self.image_shape = image_shape
        self.source = source

    def __len__(self) -> int:
        return self.X.shape[0]

    def __getitem__(self, index):
        return self.X[index], self.y[index]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def num_features(self) -> int:
        """Length of one flattened sample (3072 for CIFAR-10, 784 for MNIST, 2 for the toy sets)."""
        return int(np.prod(self.X.shape[1:]))

    def subset(self, indices, name=None) -> "Dataset":
        """A new Dataset holding the rows ``indices`` (any NumPy index) of this one."""
        return Dataset(self.X[indices], self.y[indices], self.classes, name or self.name,
                       self.image_shape, self.source)

    def class_counts(self) -> np.ndarray:
        """Number of samples of each class, int64 of shape (num_classes,)."""
        return np.bincount(self.y, minlength=self.num_classes)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, X={self.X.shape} {self.X.dtype}, y={self.y.shape}, "
                f"classes={self.num_classes})")


@dataclass
class Splits:
    """The ``train``, ``val`` and ``test`` Datasets of one data set, preprocessed alike.

    ``preprocessor`` is the fitted `chainrule.data.Preprocessor` (statistics from ``train`` only);
    apply it to new raw samples with ``splits.preprocessor.transform(raw)``.
    """

    train: Dataset
    val: Dataset
    test: Dataset
    preprocessor: object = None
    info: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.train.name

    @property
    def classes(self) -> list:
        return self.train.classes

    @property
    def num_classes(self) -> int:
        return self.train.num_classes

    @property
    def image_shape(self):
        return self.train.image_shape

    @property
    def num_features(self) -> int:
        return self.train.num_features

    def items(self):
        """``("train", train), ("val", val), ("test", test)``."""
        return [("train", self.train), ("val", self.val), ("test", self.test)]

    def __iter__(self):
        return iter((self.train, self.val, self.test))

    def summary(self) -> str:
        """One line: name, split sizes, features and classes."""
        return (f"{self.name}: train {len(self.train):,}, val {len(self.val):,}, test {len(self.test):,}; "
                f"{self.num_features} features, {self.num_classes} classes")

    def __repr__(self) -> str:
        return f"Splits({self.summary()})"


@dataclass
class RawData:
    """Undecoded-for-the-model arrays as read from disk, before splitting and preprocessing.

    ``splits`` maps "train"/"test" (and "val" where the source has one) to ``(X, y)``: X uint8 images
    (N, H, W, C) or float features (N, D), y int64 (N,).
    """

    splits: dict
    classes: list
    name: str
    source: str = ""
    image_shape: tuple | None = None

    def __post_init__(self):
        for split, (X, y) in self.splits.items():
            if X.shape[0] != y.shape[0]:
                raise DataError(
                    f"{self.source or self.name}: the {split} split has {X.shape[0]} samples but "
                    f"{y.shape[0]} labels; the files are inconsistent, get a fresh copy."
                )
            if y.size and (y.min() < 0 or y.max() >= len(self.classes)):
                raise DataError(
                    f"{self.source or self.name}: the {split} split has labels outside 0..{len(self.classes) - 1}; "
                    "the files are corrupt or of another data set, get a fresh copy."
                )
