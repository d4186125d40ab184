"""load_dataset: names, defaults, errors saying where it looked, and the real data sets on this machine."""
import os
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule.data as crd
from chainrule.errors import ConfigError, DataError
from data_helpers import CIFAR_JPEG_TAR, FASHION_DIR


@pytest.mark.parametrize("name", ["spiral", "moons", "circles", "xor"])
def test_toy_splits(name):
    s = crd.load_dataset(name, seed=3)
    t = crd.load_dataset(name, seed=3)
    assert s.train.X.shape[1] == 2 and len(s.val) == len(s.train) == len(s.test)
    np.testing.assert_array_equal(s.test.X, t.test.X)
    assert not np.array_equal(s.train.X, s.val.X)
    assert s.info["normalize"] == "none" and s.image_shape is None


def test_toy_options_and_val_size():
    s = crd.load_dataset("spiral", n_per_class=50, n_classes=4, val_size=40)
    assert len(s.train) == 200 and len(s.val) == 40 and list(s.val.class_counts()) == [10] * 4
    np.testing.assert_array_equal(s.train.X, crd.spiral(50, 4).X)
    assert len(crd.load_dataset("xor", val_size=0).val) == 0
    assert len(crd.load_dataset("moons", n_per_class=10, val_size=0.25).val) == 5
    with pytest.raises(ConfigError, match="options"):
        crd.load_dataset("mnist", n_per_class=3)
    with pytest.raises(ConfigError, match="Bad option"):
        crd.load_dataset("spiral", wiggle=2)


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ConfigError, match="spiral, moons, circles, xor, noisy-spiral, cifar10, fashion-mnist, mnist, folder:PATH"):
        crd.load_dataset("imagenet")


def test_missing_data_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setattr("chainrule.data.registry.FASHION_MNIST_SYSTEM_DIR", tmp_path / "nosys")
    with pytest.raises(DataError) as e:
        crd.load_dataset("fashion-mnist", data_dir=tmp_path / "nowhere")
    msg = str(e.value)
    assert str(tmp_path / "nowhere") in msg and str(tmp_path / "nosys") in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "fetch('fashion-mnist')" in msg and "data_dir=" in msg
    with pytest.raises(DataError, match=r"cifar10 not found: looked in .*nowhere.*cifar-10-python\.tar\.gz.*fetch"):
        crd.load_dataset("cifar10", data_dir=tmp_path / "nowhere")
    with pytest.raises(DataError, match="no such folder"):
        crd.load_dataset(f"folder:{tmp_path / 'nope'}")


@pytest.mark.parametrize("layout", ["python", "binary", "python-tgz"])
def test_cifar10_every_official_layout(tmp_path, write_cifar_python, write_cifar_binary, layout):
    import tarfile
    if layout == "binary":
        write_cifar_binary(tmp_path, n=20)
    else:
        folder, _ = write_cifar_python(tmp_path / "src" if layout == "python-tgz" else tmp_path, n=20)
        if layout == "python-tgz":
            with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tf:
                tf.add(folder, arcname=folder.name)
    s = crd.load_dataset("cifar10", data_dir=tmp_path, val_size=10)
    assert s.name == "CIFAR-10" and s.train.X.shape == (90, 3072) and len(s.val) == 10 and len(s.test) == 20
    assert s.train.X.dtype == np.float32 and s.train.image_shape == (32, 32, 3)


def test_folder_name_and_tar(tmp_path, write_image_folder):
    import tarfile
    write_image_folder(tmp_path / "pets", n=(10, 2))
    with tarfile.open(tmp_path / "pets.tar", "w") as tf:
        tf.add(tmp_path / "pets", arcname="pets")
    a = crd.load_dataset(f"folder:{tmp_path / 'pets'}", normalize="scale", flatten=False)
    b = crd.load_dataset(f"folder:{tmp_path / 'pets.tar'}", normalize="scale", flatten=False)
    assert a.name == b.name == "pets" and a.train.X.shape == (18, 8, 6, 3) and len(a.val) == 2
    assert 0 <= a.train.X.min() and a.train.X.max() <= 1
    np.testing.assert_array_equal(a.test.X, b.test.X)


def test_the_search_path_is_what_the_user_set_and_nothing_of_a_development_machine(tmp_path, monkeypatch):
    assert crd.search_path() == [tmp_path / "cache" / "datasets", tmp_path / "data"]
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path / "mine"))
    assert crd.search_path("given") == [Path("given"), tmp_path / "mine", tmp_path / "cache" / "datasets",
                                        tmp_path / "data"]


def test_data_dir_env_var(tmp_path, monkeypatch, write_idx_set):
    write_idx_set(tmp_path / "d" / "mnist")
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path / "d"))
    assert crd.load_dataset("mnist", val_size=2).name == "MNIST"


@pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="dataset-fashion-mnist not installed")
def test_real_fashion_mnist():
    s = crd.load_dataset("fashion-mnist", seed=0)
    assert s.name == "Fashion-MNIST" and s.classes[9] == "Ankle boot"
    assert s.train.X.shape == (59000, 784) and s.val.X.shape == (1000, 784) and s.test.X.shape == (10000, 784)
    y = np.concatenate([s.train.y, s.val.y])
    assert sorted(set(y)) == list(range(10)) and list(np.bincount(y)) == [6000] * 10
    assert list(np.bincount(s.test.y)) == [1000] * 10
    raw = crd.read_idx(FASHION_DIR / "train-images-idx3-ubyte.gz")
    assert raw.shape == (60000, 28, 28) and raw.dtype == np.uint8


@pytest.mark.slow
@pytest.mark.skipif(not CIFAR_JPEG_TAR.is_file(), reason="CIFAR-10 (JPEG copy) tar not present")
def test_real_cifar10_jpeg_tar_through_the_cache(private_cache):
    t0 = time.perf_counter()
    first = crd.load_dataset("cifar10", data_dir=CIFAR_JPEG_TAR.parent)
    t1 = time.perf_counter()
    second = crd.load_dataset("cifar10", data_dir=CIFAR_JPEG_TAR.parent)
    t2 = time.perf_counter()
    for s in (first, second):
        assert s.name == "CIFAR-10 (JPEG copy)"
        assert s.train.X.shape == (49000, 3072) and s.val.X.shape == (1000, 3072) and s.test.X.shape == (10000, 3072)
        assert list(np.bincount(np.concatenate([s.train.y, s.val.y]))) == [5000] * 10
    np.testing.assert_array_equal(first.train.X, second.train.X)
    assert (t2 - t1) < (t1 - t0)
    print(f"\nCIFAR-10 (JPEG copy): first load {t1 - t0:.1f} s, from cache {t2 - t1:.1f} s "
          f"(cpus {os.cpu_count()})")
