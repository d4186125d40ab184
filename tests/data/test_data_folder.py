"""Image folders and tars of them: PNG/JPEG via Pillow, layout errors, decode errors, real CIFAR-10 JPEGs."""
import io
import tarfile

import numpy as np
import pytest

import chainrule.data as crd
from chainrule.data import images as images_mod
from chainrule.errors import DataError
from data_helpers import CIFAR_JPEG_TAR, encode_image


def test_png_folder_exact_pixels(tmp_path, write_image_folder):
    written = write_image_folder(tmp_path / "ds", classes=("cat", "dog"), n=(3, 2), fmt="PNG")
    raw = crd.load_image_folder(tmp_path / "ds")
    assert raw.classes == ["cat", "dog"] and raw.image_shape == (8, 6, 3) and raw.name == "ds"
    X, y = raw.splits["train"]
    assert X.shape == (6, 8, 6, 3) and X.dtype == np.uint8 and list(y) == [0, 0, 0, 1, 1, 1]
    np.testing.assert_array_equal(X[4], written[("train", "dog", "001.png")])
    assert raw.splits["test"][0].shape == (4, 8, 6, 3)


def test_jpeg_folder_and_tar_agree(tmp_path, write_image_folder):
    write_image_folder(tmp_path / "ds", fmt="JPEG")
    tar = tmp_path / "ds.tar"
    with tarfile.open(tar, "w") as tf:
        tf.add(tmp_path / "ds", arcname="ds")
    a, b = crd.load_image_folder(tmp_path / "ds"), crd.load_image_folder(tar)
    for split in ("train", "test"):
        np.testing.assert_array_equal(a.splits[split][0], b.splits[split][0])
        np.testing.assert_array_equal(a.splits[split][1], b.splits[split][1])
    assert b.name == "ds"


def test_val_split_and_ignored_files(tmp_path, write_image_folder):
    write_image_folder(tmp_path / "ds")
    (tmp_path / "ds" / "val" / "dog").mkdir(parents=True)
    (tmp_path / "ds" / "val" / "dog" / "a.png").write_bytes(encode_image(np.zeros((8, 6, 3), np.uint8), "PNG"))
    (tmp_path / "ds" / "README.txt").write_text("not an image")
    (tmp_path / "ds" / "train" / "cat" / ".hidden.png").write_bytes(b"junk")
    raw = crd.load_image_folder(tmp_path / "ds")
    assert list(raw.splits["val"][1]) == [1] and len(raw.splits["train"][1]) == 6


def test_grayscale_and_resize(tmp_path, write_image_folder):
    write_image_folder(tmp_path / "ds", size=(8, 6))
    raw = crd.load_image_folder(tmp_path / "ds", mode="L", image_size=(4, 4))
    assert raw.splits["train"][0].shape == (6, 4, 4, 1)


def test_corrupt_image_names_the_file(tmp_path, write_image_folder):
    write_image_folder(tmp_path / "ds", fmt="JPEG")
    bad = tmp_path / "ds" / "train" / "dog" / "001.jpg"
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(DataError, match=r"dog/001\.jpg.*cannot decode"):
        crd.load_image_folder(tmp_path / "ds")


def test_mixed_sizes_need_image_size(tmp_path, write_image_folder):
    write_image_folder(tmp_path / "ds", size=(8, 6))
    (tmp_path / "ds" / "test" / "cat" / "big.png").write_bytes(encode_image(np.zeros((9, 9, 3), np.uint8), "PNG"))
    with pytest.raises(DataError, match=r"big\.png.*image_size"):
        crd.load_image_folder(tmp_path / "ds")
    assert crd.load_image_folder(tmp_path / "ds", image_size=(8, 6)).splits["test"][0].shape == (5, 8, 6, 3)


@pytest.mark.parametrize("setup,msg", [
    ("empty", "no images"),
    ("no_train", "no folders with a train"),
    ("test_only_class", "'bird'"),
])
def test_layout_errors(tmp_path, write_image_folder, setup, msg):
    root = tmp_path / "ds"
    root.mkdir()
    if setup == "no_train":
        (root / "test" / "cat").mkdir(parents=True)
        (root / "test" / "cat" / "a.png").write_bytes(encode_image(np.zeros((4, 4, 3), np.uint8), "PNG"))
    elif setup == "test_only_class":
        write_image_folder(root)
        (root / "test" / "bird").mkdir()
        (root / "test" / "bird" / "a.png").write_bytes(encode_image(np.zeros((8, 6, 3), np.uint8), "PNG"))
    with pytest.raises(DataError, match=msg):
        crd.load_image_folder(root)


def test_parallel_decode_equals_serial(tmp_path):
    rng = np.random.default_rng(0)
    items = [(f"img{i}.png", encode_image(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8), "PNG"))
             for i in range(2 * images_mod._CHUNK + 50)]
    serial = crd.decode_images(items, workers=1)
    parallel = crd.decode_images(iter(items), workers=2)
    assert serial.shape == (len(items), 4, 4, 3)
    np.testing.assert_array_equal(serial, parallel)
    items[1500] = ("broken.png", b"\x89PNG garbage")
    with pytest.raises(DataError, match="broken.png"):
        crd.decode_images(items, workers=2)


def test_missing_pillow_gives_clear_error(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(crd.MissingDependencyError, match=r"pip install chainrule\[data\]"):
        crd.decode_image(b"x", "a.png")


def test_import_needs_only_numpy():
    """Importing chainrule.data adds no third-party module but NumPy (Pillow loads on first decode)."""
    import os
    import subprocess
    import sys
    code = ("import sys, chainrule, numpy; before = set(sys.modules); import chainrule.data; "
            "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
            "print(sorted(m for m in new if m not in sys.stdlib_module_names and m not in ('chainrule', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def real_cifar_jpegs():
    """Two train and one test JPEG per class, taken from the real CIFAR-10 (JPEG copy) tar."""
    if not CIFAR_JPEG_TAR.is_file():
        pytest.skip(f"{CIFAR_JPEG_TAR} not present")
    picked, want = {}, {"train": 2, "test": 1}
    with tarfile.open(CIFAR_JPEG_TAR) as tf:
        for m in tf:
            parts = m.name.split("/")
            if m.isfile() and len(parts) == 4:
                key = (parts[1], parts[2])
                if len(picked.setdefault(key, [])) < want[parts[1]]:
                    picked[key].append((parts[3], tf.extractfile(m).read()))
    return picked


def test_real_cifar_jpegs(tmp_path, real_cifar_jpegs):
    root = tmp_path / "cifar10-jpeg"
    for (split, cls), files in real_cifar_jpegs.items():
        (root / split / cls).mkdir(parents=True)
        for name, data in files:
            (root / split / cls / name).write_bytes(data)
    raw = crd.load_image_folder(root)
    assert raw.name == "CIFAR-10 (JPEG copy)" and raw.classes == crd.CIFAR10_CLASSES
    X, y = raw.splits["train"]
    assert X.shape == (20, 32, 32, 3) and list(np.bincount(y)) == [2] * 10
    assert raw.splits["test"][0].shape == (10, 32, 32, 3)
    assert 30 < X.mean() < 220 and X.std() > 20                   # real photos, not blank
    from PIL import Image
    name, data = real_cifar_jpegs[("train", "cat")][0]
    np.testing.assert_array_equal(X[6], np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    splits = crd.load_dataset("cifar10", data_dir=tmp_path, val_size=10)
    assert splits.name == "CIFAR-10 (JPEG copy)" and splits.train.X.shape == (10, 3072)
