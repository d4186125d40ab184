"""The IDX format of MNIST and Fashion-MNIST, gzipped or not, checked strictly.

An IDX file is: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dimensions, each dimension as a big-endian uint32, then
the values, big-endian, row-major. A file whose length differs from what its header declares is a
`DataError` naming it: never a silently short array. Memory follows what the header declares, which
must fit the file (its exact size raw; at most 1032 times its size gzipped, DEFLATE's limit; 16 GiB in
any case), and decompression stops one byte past the declared data, so a gzip bomb behind a small
header costs nothing.
"""
from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import RawData

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.int16, 0x0C: np.int32, 0x0D: np.float32, 0x0E: np.float64}
MAX_DIMS = 8
_READ_CHUNK = 1 << 24
MAX_IDX_BYTES = 1 << 34     # 16 GiB: a header declaring more is corrupt, not data
MAX_GZIP_RATIO = 1032       # DEFLATE's largest expansion: a gzip file cannot hold more than this times its size
GZIP_MAGIC = b"\x1f\x8b"


def _read_exact(f, n: int, name: str, what: str) -> bytearray:
    """Read exactly ``n`` bytes in bounded chunks (memory follows the real data, not the header's claim)."""
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(min(_READ_CHUNK, n - len(buf)))
        if not chunk:
            raise DataError(
                f"{name}: truncated: the header declares {n} bytes of {what} but the file has only {len(buf)}; "
                "download it again."
            )
        buf += chunk
    return buf


def _parse(f, name: str, real_size=None, compressed_size=None) -> np.ndarray:
    head = _read_exact(f, 4, name, "header")
    if head[0] != 0 or head[1] != 0:
        raise DataError(f"{name}: not an IDX file (its first two bytes are not zero); check the file name "
                        "and download it again.")
    code, ndim = head[2], head[3]
    if code not in IDX_TYPES:
        raise DataError(f"{name}: unknown IDX type code 0x{code:02X}; the file is corrupt, download it again.")
    if not 1 <= ndim <= MAX_DIMS:
        raise DataError(f"{name}: IDX header declares {ndim} dimensions (1..{MAX_DIMS} allowed); the file is corrupt, "
                        "download it again.")
    dims = [int(d) for d in np.frombuffer(bytes(_read_exact(f, 4 * ndim, name, "header")), dtype=">u4")]
    dtype = np.dtype(IDX_TYPES[code]).newbyteorder(">")
    nbytes = int(np.prod(dims, dtype=object)) * dtype.itemsize
    header = 4 + 4 * ndim
    if int(np.prod([d for d in dims if d], dtype=object)) * dtype.itemsize > MAX_IDX_BYTES:
        raise DataError(f"{name}: the header declares shape {tuple(dims)}, larger than any IDX data set even where "
                        "it is empty; the file is corrupt, download it again.")
    if compressed_size is not None and nbytes > MAX_GZIP_RATIO * compressed_size:
        raise DataError(f"{name}: the header declares {nbytes:,} bytes of data, more than {compressed_size:,} "
                        "bytes of gzip can hold; the file is truncated or corrupt, download it again.")
    if real_size is not None and header + nbytes != real_size:
        raise DataError(
            f"{name}: the header declares shape {tuple(dims)} ({header + nbytes} bytes) but the file has {real_size} bytes; "
            "it is truncated or corrupt, download it again."
        )
    if nbytes > MAX_IDX_BYTES:
        raise DataError(f"{name}: the header declares {nbytes} bytes of data, more than any IDX data set; "
                        "the file is corrupt, download it again.")
    data = _read_exact(f, nbytes, name, "data")
    if f.read(1):
        raise DataError(
            f"{name}: more bytes than the header's shape {tuple(dims)} declares; the file is corrupt or not IDX, "
            "download it again."
        )
    arr = np.frombuffer(data, dtype=dtype).reshape(dims)
    return arr if dtype.itemsize == 1 else arr.astype(dtype.newbyteorder("="))


def _parse_any(f, name, real_size, compressed_size=None):
    try:
        return _parse(f, name, real_size, compressed_size)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise DataError(f"{name}: corrupt or truncated gzip data ({e}); download the file again.") from None


def parse_idx(data: bytes, name: str = "<idx bytes>") -> np.ndarray:
    """Parse IDX ``data`` (raw, or gzip-compressed: detected from its first bytes) to an array of the declared shape."""
    data = bytes(data)
    if data[:2] == GZIP_MAGIC:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            return _parse_any(f, name, None, len(data))
    return _parse_any(io.BytesIO(data), name, len(data))


def read_idx(path) -> np.ndarray:
    """Read the IDX file at ``path`` (``.gz`` or raw, detected from content) into a native-endian array."""
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            if raw.read(2) == GZIP_MAGIC:
                raw.seek(0)
                with gzip.GzipFile(fileobj=raw) as f:
                    return _parse_any(f, str(path), None, os.fstat(raw.fileno()).st_size)
            raw.seek(0)
            return _parse_any(raw, str(path), path.stat().st_size)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the data folder.") from None


IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot"]
MNIST_CLASSES = [str(d) for d in range(10)]


def idx_file(folder, stem):
    """The path of IDX file ``stem`` in ``folder`` (``stem.gz`` or ``stem``, also spelt ``.idx`` for ``-idx``), else None."""
    folder = Path(folder)
    for s in (stem, stem.replace("-idx", ".idx")):
        for candidate in (folder / (s + ".gz"), folder / s):
            if candidate.is_file():
                return candidate
    return None


def has_idx_files(folder) -> bool:
    return all(idx_file(folder, stem) for pair in IDX_FILES.values() for stem in pair)


def load_idx_folder(folder, name: str, classes: list) -> RawData:
    """Read the four MNIST-style IDX files in ``folder``: images uint8 (N, 28, 28, 1), labels int64 (N,)."""
    folder = Path(folder)
    splits = {}
    for split, (img_stem, lab_stem) in IDX_FILES.items():
        img_path, lab_path = idx_file(folder, img_stem), idx_file(folder, lab_stem)
        if img_path is None or lab_path is None:
            missing = img_stem if img_path is None else lab_stem
            raise DataError(f"{folder}: missing {missing}[.gz]; put all four IDX files there.")
        X, y = read_idx(img_path), read_idx(lab_path)
        if X.dtype != np.uint8 or X.ndim != 3:
            raise DataError(f"{img_path}: expected uint8 images of shape (N, H, W) but found {X.dtype} {X.shape}; "
                            "is it a labels file?")
        if y.dtype != np.uint8 or y.ndim != 1:
            raise DataError(f"{lab_path}: expected uint8 labels of shape (N,) but found {y.dtype} {y.shape}; "
                            "is it an images file?")
        if X.shape[0] != y.shape[0]:
            raise DataError(
                f"{img_path} holds {X.shape[0]} images but {lab_path} holds {y.shape[0]} labels; the files do not match, "
                "download both again."
            )
        if y.size and y.max() >= len(classes):
            raise DataError(f"{lab_path}: label {int(y.max())} is outside 0..{len(classes) - 1}; the file is corrupt.")
        splits[split] = (X[..., None], y.astype(np.int64))
    return RawData(splits, list(classes), name=name, source=str(folder), image_shape=splits["train"][0].shape[1:])
