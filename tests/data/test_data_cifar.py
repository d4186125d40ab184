"""CIFAR-10 official layouts: python batches (restricted unpickler), binary batches, their tarballs."""
import os
import pickle
import tarfile

import numpy as np
import pytest

import chainrule.data as crd
from chainrule.errors import DataError, UnsafeFileError
from data_helpers import planes_to_nhwc


def check_raw(raw, expected):
    Xtr, ytr = raw.splits["train"]
    train = [expected[f"data_batch_{k}"] for k in range(1, 6)]
    np.testing.assert_array_equal(Xtr, planes_to_nhwc(np.concatenate([d for d, _ in train])))
    np.testing.assert_array_equal(ytr, np.concatenate([lab for _, lab in train]))
    Xte, yte = raw.splits["test"]
    np.testing.assert_array_equal(Xte, planes_to_nhwc(expected["test_batch"][0]))
    np.testing.assert_array_equal(yte, expected["test_batch"][1])
    assert Xtr.dtype == np.uint8 and Xtr.shape[1:] == (32, 32, 3) and ytr.dtype == np.int64
    assert raw.classes[0] == "airplane" and raw.classes[9] == "truck"


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_python_batches_folder(tmp_path, write_cifar_python, protocol):
    folder, expected = write_cifar_python(tmp_path, n=4, protocol=protocol)
    check_raw(crd.load_cifar10_python(folder), expected)


def test_pixel_layout_is_nhwc(tmp_path):
    flat = np.zeros((1, 3072), np.uint8)
    flat[0, 0] = 10            # red of pixel (0, 0)
    flat[0, 1024 + 33] = 20    # green of pixel (1, 1)
    flat[0, 2048 + 31] = 30    # blue of pixel (0, 31)
    X, _ = crd.read_binary_batch(bytes([7]) + flat.tobytes(), "b")
    assert X[0, 0, 0, 0] == 10 and X[0, 1, 1, 1] == 20 and X[0, 0, 31, 2] == 30 and X.sum() == 60


def test_binary_batches_folder(tmp_path, write_cifar_binary):
    folder, expected = write_cifar_binary(tmp_path, n=3)
    check_raw(crd.load_cifar10_binary(folder), expected)


def make_tgz(src_folder, dest):
    with tarfile.open(dest, "w:gz") as tf:
        tf.add(src_folder, arcname=src_folder.name)
    return dest


def test_python_tarball_read_without_extracting(tmp_path, write_cifar_python):
    folder, expected = write_cifar_python(tmp_path / "src")
    tgz = make_tgz(folder, tmp_path / "cifar-10-python.tar.gz")
    check_raw(crd.load_cifar10_python(tgz), expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-python.tar.gz", "src"]


def test_binary_tarball(tmp_path, write_cifar_binary):
    folder, expected = write_cifar_binary(tmp_path / "src")
    check_raw(crd.load_cifar10_binary(make_tgz(folder, tmp_path / "cifar-10-binary.tar.gz")), expected)


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path, write_cifar_python, protocol):
    folder, _ = write_cifar_python(tmp_path)
    marker = tmp_path / "pwned"
    (folder / "data_batch_3").write_bytes(pickle.dumps({b"data": Evil(marker), b"labels": []}, protocol=protocol))
    with pytest.raises(UnsafeFileError, match="data_batch_3"):
        crd.load_cifar10_python(folder)
    assert not marker.exists()
    # the same payload through the public entry point
    with pytest.raises(UnsafeFileError):
        crd.load_dataset("cifar10", data_dir=tmp_path)
    assert not marker.exists()


def test_object_arrays_refused(tmp_path):
    data = pickle.dumps({b"data": np.array([1, "x"], dtype=object), b"labels": [0]}, protocol=2)
    with pytest.raises(UnsafeFileError, match="object arrays"):
        crd.read_python_batch(data, "f")


@pytest.mark.parametrize("batch,msg", [
    ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, "3072"),
    ({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}, "uint8"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "labels"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 12]}, "0..9"),
    ([1, 2, 3], "dict"),
])
def test_malformed_python_batch(batch, msg):
    with pytest.raises(DataError, match=msg):
        crd.read_python_batch(pickle.dumps(batch, protocol=2), "data_batch_1")


def test_truncated_binary_batch(tmp_path, write_cifar_binary):
    folder, _ = write_cifar_binary(tmp_path)
    path = folder / "data_batch_2.bin"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match=r"data_batch_2\.bin.*multiple of the 3073"):
        crd.load_cifar10_binary(folder)


def test_bad_label_byte_and_empty_file():
    with pytest.raises(DataError, match="label byte 200"):
        crd.read_binary_batch(bytes([200]) + bytes(3072), "x.bin")
    with pytest.raises(DataError, match="multiple"):
        crd.read_binary_batch(b"", "x.bin")


def test_truncated_python_batch(tmp_path, write_cifar_python):
    folder, _ = write_cifar_python(tmp_path)
    path = folder / "test_batch"
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(DataError, match="test_batch"):
        crd.load_cifar10_python(folder)


def test_missing_batch_named(tmp_path, write_cifar_python):
    folder, _ = write_cifar_python(tmp_path)
    (folder / "data_batch_5").unlink()
    with pytest.raises(DataError, match="data_batch_5"):
        crd.load_cifar10_python(folder)
