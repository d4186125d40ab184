"""Fixture writers for every on-disk format chainrule.data reads, and a private cache folder per test."""
import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest

from data_helpers import cifar_arrays, encode_image, idx_bytes


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets its own cache and no inherited data folder, so nothing touches ~/.cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("CHAINRULE_CACHE", str(cache))
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    return cache


@pytest.fixture
def write_cifar_python():
    """Write cifar-10-batches-py/ (6 batches of n images + batches.meta) under root; return (folder, expected)."""
    def write(root, n=4, protocol=2):
        folder = Path(root) / "cifar-10-batches-py"
        folder.mkdir(parents=True)
        expected = {}
        for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
            data, labels = cifar_arrays(n, i)
            batch = {b"batch_label": name.encode(), b"labels": [int(v) for v in labels], b"data": data,
                     b"filenames": [f"img{k}.png".encode() for k in range(n)]}
            (folder / name).write_bytes(pickle.dumps(batch, protocol=protocol))
            expected[name] = (data, labels)
        meta = {b"num_cases_per_batch": n, b"label_names": [c.encode() for c in
                ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]],
                b"num_vis": 3072}
        (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=protocol))
        return folder, expected
    return write


@pytest.fixture
def write_cifar_binary():
    """Write cifar-10-batches-bin/ (6 .bin batches of n records + batches.meta.txt); return (folder, expected)."""
    def write(root, n=4):
        folder = Path(root) / "cifar-10-batches-bin"
        folder.mkdir(parents=True)
        expected = {}
        for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
            data, labels = cifar_arrays(n, 10 + i)
            records = np.concatenate([labels.astype(np.uint8)[:, None], data], axis=1)
            (folder / f"{name}.bin").write_bytes(records.tobytes())
            expected[name] = (data, labels)
        (folder / "batches.meta.txt").write_text("\n".join(
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n\n")
        return folder, expected
    return write


@pytest.fixture
def write_idx_set():
    """Write the four MNIST-style IDX files (gzipped or raw) into folder; return the arrays written."""
    def write(folder, n_train=12, n_test=6, gz=True, size=28, seed=0):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(seed)
        out = {}
        for prefix, n in (("train", n_train), ("t10k", n_test)):
            X = rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)
            y = rng.integers(0, 10, size=n).astype(np.uint8)
            for stem, arr in ((f"{prefix}-images-idx3-ubyte", X), (f"{prefix}-labels-idx1-ubyte", y)):
                data = idx_bytes(arr)
                if gz:
                    (folder / (stem + ".gz")).write_bytes(gzip.compress(data))
                else:
                    (folder / stem).write_bytes(data)
            out[prefix] = (X, y)
        return out
    return write


@pytest.fixture
def write_image_folder():
    """Write root/{train,test}/<class>/*.{png,jpg}; return {(split, class, name): pixels} of what was written."""
    def write(root, classes=("cat", "dog"), n=(3, 2), fmt="PNG", size=(8, 6), seed=0):
        rng = np.random.default_rng(seed)
        ext = {"PNG": "png", "JPEG": "jpg"}[fmt]
        written = {}
        for split, count in zip(("train", "test"), n):
            for cls in classes:
                d = Path(root) / split / cls
                d.mkdir(parents=True, exist_ok=True)
                for k in range(count):
                    arr = rng.integers(0, 256, size=(size[0], size[1], 3), dtype=np.uint8)
                    (d / f"{k:03d}.{ext}").write_bytes(encode_image(arr, fmt))
                    written[(split, cls, f"{k:03d}.{ext}")] = arr
        return written
    return write

