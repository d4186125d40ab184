"""IDX parsing: dtypes, gzip and raw, strict size checks, and random bytes (hypothesis)."""
import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule.data as crd
from chainrule.errors import DataError
from data_helpers import idx_bytes


@pytest.mark.parametrize("code,dtype", [(0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32),
                                        (0x0D, np.float32), (0x0E, np.float64)])
def test_all_type_codes_round_trip(code, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    for data in (idx_bytes(arr, code), gzip.compress(idx_bytes(arr, code))):
        out = crd.parse_idx(data)
        assert out.dtype == dtype and out.dtype.isnative and out.shape == (2, 3, 4)
        np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize("gz", [True, False])
def test_read_files(tmp_path, write_idx_set, gz):
    written = write_idx_set(tmp_path / "d", gz=gz)
    raw = crd.load_idx_folder(tmp_path / "d", "MNIST", crd.MNIST_CLASSES)
    X, y = raw.splits["train"]
    assert X.shape == (12, 28, 28, 1) and X.dtype == np.uint8 and y.dtype == np.int64
    np.testing.assert_array_equal(X[..., 0], written["train"][0])
    np.testing.assert_array_equal(raw.splits["test"][1], written["t10k"][1])


def corrupt(data, how):
    if how == "truncated":
        return data[:-7]
    if how == "extra":
        return data + b"\x00\x00"
    if how == "magic":
        return b"\x01" + data[1:]
    if how == "dtype":
        return data[:2] + b"\x07" + data[3:]
    if how == "ndim":
        return data[:3] + b"\x00" + data[4:]
    if how == "dims":
        return data[:4] + (10 ** 9).to_bytes(4, "big") + data[8:]
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "extra", "magic", "dtype", "ndim", "dims"])
@pytest.mark.parametrize("gz", [True, False])
def test_corrupt_files_name_the_file(tmp_path, write_idx_set, how, gz):
    write_idx_set(tmp_path, gz=gz)
    name = "train-images-idx3-ubyte" + (".gz" if gz else "")
    path = tmp_path / name
    data = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
    bad = corrupt(data, how)
    path.write_bytes(gzip.compress(bad) if gz else bad)
    with pytest.raises(DataError, match=name.replace(".", r"\.")):
        crd.read_idx(path)
    with pytest.raises(DataError, match="train-images"):
        crd.load_idx_folder(tmp_path, "MNIST", crd.MNIST_CLASSES)


def test_truncated_gzip_stream(tmp_path, write_idx_set):
    write_idx_set(tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])          # cut the gzip trailer and some data
    with pytest.raises(DataError, match="t10k-labels"):
        crd.read_idx(path)


def test_mismatched_counts_and_swapped_files(tmp_path, write_idx_set):
    write_idx_set(tmp_path, gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(DataError, match="6 images but .* 5 labels"):
        crd.load_idx_folder(tmp_path, "MNIST", crd.MNIST_CLASSES)
    write_idx_set(tmp_path / "b", gz=False)
    (tmp_path / "b" / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros((6, 2, 2), np.uint8)))
    with pytest.raises(DataError, match="labels"):
        crd.load_idx_folder(tmp_path / "b", "MNIST", crd.MNIST_CLASSES)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes_give_array_or_data_error(data):
    try:
        out = crd.parse_idx(data)
    except DataError:
        return
    assert isinstance(out, np.ndarray)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.lists(st.integers(0, 4), min_size=3, max_size=3), st.binary(max_size=80),
       st.booleans())
def test_structured_headers_give_array_or_data_error(ndim, dims, payload, gz):
    """Valid-looking headers with arbitrary payload lengths: exact size -> array, anything else -> DataError."""
    head = bytes([0, 0, 0x08, ndim]) + b"".join(d.to_bytes(4, "big") for d in dims[:ndim])
    data = head + payload
    try:
        out = crd.parse_idx(gzip.compress(data) if gz else data)
    except DataError:
        assert len(payload) != int(np.prod(dims[:ndim]))
        return
    assert out.shape == tuple(dims[:ndim]) and len(payload) == out.size
