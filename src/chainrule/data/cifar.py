"""CIFAR-10 in its official layouts: python batches (pickles, read with a restricted unpickler) and
binary batches, each as a folder or as the official ``.tar.gz``, read without extracting.

Images come back as uint8 (N, 32, 32, 3) in NHWC order (the files store each image as 1024 red,
then 1024 green, then 1024 blue bytes, row-major), labels as int64 (N,).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .._files import read_regular
from ..errors import DataError
from .archive import iter_tar_files
from .dataset import RawData
from .safe_pickle import safe_loads

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"
RECORD_BYTES = 1 + 32 * 32 * 3          # binary layout: one label byte, then 3072 pixel bytes
MAX_CLASS_NAME = 100                    # characters
MAX_BATCH_BYTES = 64 << 20              # an official batch file is 31 MB (10,000 images)


def _planes_to_nhwc(flat: np.ndarray) -> np.ndarray:
    return flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()


def _get(d: dict, key: str):
    for k in (key.encode(), key):
        if k in d:
            return d[k]
    return None


def read_python_batch(data: bytes, name: str):
    """Parse one python batch (the bytes of e.g. ``data_batch_1``) to ``(X uint8 (N,32,32,3), y int64 (N,))``."""
    batch = safe_loads(data, name)
    if not isinstance(batch, dict):
        raise DataError(f"{name}: not a CIFAR-10 python batch (it holds a {type(batch).__name__}, not a dict); "
                        "get a fresh copy.")
    X, labels = _get(batch, "data"), _get(batch, "labels")
    if not isinstance(X, np.ndarray) or X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != 3072:
        got = f"{X.dtype} array of shape {X.shape}" if isinstance(X, np.ndarray) else type(X).__name__
        raise DataError(f"{name}: 'data' should be a uint8 array of shape (N, 3072) but is a {got}; get a fresh copy.")
    y = _labels(labels, X.shape[0], name)
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DataError(f"{name}: labels outside 0..9; the file is not a CIFAR-10 batch, get a fresh copy.")
    return _planes_to_nhwc(X), y


def _labels(labels, n: int, name: str) -> np.ndarray:
    """``labels`` as int64 (n,) if it is a flat list (or 1-D integer array) of n small ints, else DataError."""
    if isinstance(labels, np.ndarray):
        ok = labels.ndim == 1 and labels.dtype.kind in "iu"
    else:
        ok = isinstance(labels, (list, tuple)) and all(type(v) is int and -128 <= v < 128 for v in labels)
    if not ok or len(labels) != n:
        raise DataError(f"{name}: 'labels' should be a flat list of {n} small integers, one per image; "
                        "get a fresh copy.")
    return np.asarray(labels, dtype=np.int64) if len(labels) else np.zeros(0, np.int64)


def read_python_meta(data: bytes, name: str) -> list:
    """Class names from ``batches.meta`` (falls back to the official list if the file lacks them)."""
    meta = safe_loads(data, name)
    names = _get(meta, "label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list) or len(names) != 10 or not all(
            isinstance(n, (str, bytes)) and 0 < len(n) <= MAX_CLASS_NAME for n in names):
        raise DataError(f"{name}: 'label_names' should be a list of 10 class names of at most {MAX_CLASS_NAME} "
                        "characters; get a fresh copy.")
    return [n.decode("latin1") if isinstance(n, bytes) else n for n in names]


def read_binary_batch(data: bytes, name: str):
    """Parse one binary batch (records of 1 label byte + 3072 pixel bytes) to ``(X uint8 (N,32,32,3), y int64)``."""
    if len(data) == 0 or len(data) % RECORD_BYTES:
        raise DataError(
            f"{name}: size {len(data)} bytes is not a positive multiple of the {RECORD_BYTES}-byte record; "
            "the file is truncated or not a CIFAR-10 binary batch, download it again."
        )
    rec = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    y = rec[:, 0].astype(np.int64)
    if y.max() > 9:
        raise DataError(f"{name}: label byte {int(y.max())} is outside 0..9; the file is corrupt, download it again.")
    return _planes_to_nhwc(rec[:, 1:]), y


def _read_files(path: Path, wanted: list) -> dict:
    """Bytes of each basename in ``wanted``, from folder ``path`` or from the tar archive ``path``."""
    if path.is_dir():
        return {n: _read_batch(path / n) for n in wanted if (path / n).is_file()}
    found = {}
    for rel, data in iter_tar_files(path, wanted=lambda rel: rel.rsplit("/", 1)[-1] in wanted,
                                    max_size=MAX_BATCH_BYTES, what="a CIFAR-10 batch"):
        found.setdefault(rel.rsplit("/", 1)[-1], (rel, data))
    return {n: data for n, (rel, data) in found.items()}


def _read_batch(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_BATCH_BYTES:
        raise DataError(f"{path}: {size:,} bytes is more than the {MAX_BATCH_BYTES:,} bytes a CIFAR-10 batch can "
                        "hold; the file is corrupt or not CIFAR-10, download it again.")
    return read_regular(path, "CIFAR-10 batch file")


def _assemble(path, files, reader, names, meta_classes, layout):
    missing = [n for n in names if n not in files]
    if missing:
        raise DataError(f"{path}: missing {', '.join(missing)}; the CIFAR-10 {layout} copy is incomplete, "
                        "download it again.")
    parts = {n: reader(files[n], f"{path}/{n}") for n in names}
    Xtr = np.concatenate([parts[n][0] for n in names[:-1]])
    ytr = np.concatenate([parts[n][1] for n in names[:-1]])
    Xte, yte = parts[names[-1]]
    return RawData({"train": (Xtr, ytr), "test": (Xte, yte)}, meta_classes or list(CIFAR10_CLASSES),
                   name="CIFAR-10", source=str(path), image_shape=(32, 32, 3))


def load_cifar10_python(path) -> RawData:
    """CIFAR-10 from the python batches: folder ``cifar-10-batches-py`` or ``cifar-10-python.tar.gz``."""
    path = Path(path)
    names = TRAIN_BATCHES + [TEST_BATCH]
    files = _read_files(path, names + ["batches.meta"])
    classes = read_python_meta(files["batches.meta"], f"{path}/batches.meta") if "batches.meta" in files else None
    return _assemble(path, files, read_python_batch, names, classes, "python")


def load_cifar10_binary(path) -> RawData:
    """CIFAR-10 from the binary batches: folder ``cifar-10-batches-bin`` or ``cifar-10-binary.tar.gz``."""
    path = Path(path)
    names = [n + ".bin" for n in TRAIN_BATCHES + [TEST_BATCH]]
    files = _read_files(path, names + ["batches.meta.txt"])
    classes = None
    if "batches.meta.txt" in files:
        lines = [ln.strip() for ln in files["batches.meta.txt"].decode("latin1").splitlines() if ln.strip()]
        classes = lines if len(lines) == 10 and all(len(n) <= MAX_CLASS_NAME for n in lines) else None
    return _assemble(path, files, read_binary_batch, names, classes, "binary")


# Where each official layout may sit inside a data folder, in the order they are tried.
CIFAR10_LAYOUTS = [
    ("python", "cifar-10-batches-py", load_cifar10_python),
    ("python", "cifar-10-python.tar.gz", load_cifar10_python),
    ("binary", "cifar-10-batches-bin", load_cifar10_binary),
    ("binary", "cifar-10-binary.tar.gz", load_cifar10_binary),
]


def find_cifar10_official(folder):
    """``(loader, path)`` for the first official CIFAR-10 layout found in (or at) ``folder``, else None."""
    folder = Path(folder)
    if (folder / "data_batch_1").is_file():
        return load_cifar10_python, folder
    if (folder / "data_batch_1.bin").is_file():
        return load_cifar10_binary, folder
    if folder.is_file():
        if folder.name.endswith(("python.tar.gz", "python.tgz")):
            return load_cifar10_python, folder
        if folder.name.endswith(("binary.tar.gz", "binary.tgz")):
            return load_cifar10_binary, folder
        return None
    for _, rel, loader in CIFAR10_LAYOUTS:
        if (folder / rel).exists():
            return loader, folder / rel
    return None
