"""Files crafted by an attacker: each loader refuses them in one sentence, without running anything, within a
memory cap and a timeout (`memcap.run_capped`: an input that costs gigabytes or never ends fails the test)."""
from __future__ import annotations

import os
import socket
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from memcap import assert_refused, environment_ok, run_capped

pytest.importorskip("PIL", reason="image folders need Pillow (pip install chainrule[data])")
pytestmark = pytest.mark.skipif(not environment_ok(), reason="memory caps need Linux (/proc, RLIMIT_AS, fork)")

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n0 0 moveto 8 8 lineto stroke\nshowpage\n%%EOF\n"


def png(seed=0) -> bytes:
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def image_folder(root: Path) -> Path:
    for split, n in (("train", 3), ("test", 2)):
        for cls in ("cat", "dog"):
            d = root / split / cls
            d.mkdir(parents=True)
            for k in range(n):
                (d / f"{k}.png").write_bytes(png(k))
    return root


def load_folder(root):
    """What `chainrule train --dataset folder:ROOT` reads; returns (train count, warnings seen)."""
    from chainrule.data import load_dataset
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        splits = load_dataset(f"folder:{root}", normalize="none")
    val = len(splits.val.X) if splits.val is not None else 0
    return len(splits.train.X) + val, [str(w.message) for w in seen]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def no_ghostscript(monkeypatch):
    """Record every use of Pillow's EPS plugin and every process started; the test asserts there were none."""
    from PIL import EpsImagePlugin
    used = []
    original = EpsImagePlugin.EpsImageFile._open

    def eps_open(self):
        used.append("EpsImagePlugin")
        return original(self)

    class NoProcess:
        def __init__(self, args, *a, **k):
            used.append(f"process {args!r}")
            raise OSError("no process may be started")

    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", eps_open)
    monkeypatch.setattr(subprocess, "Popen", NoProcess)
    return used


def test_postscript_named_png_in_an_image_folder_is_refused_without_ghostscript(tmp_path, no_ghostscript):
    from chainrule.errors import DataError
    root = image_folder(tmp_path / "pets")
    (root / "train" / "cat" / "x.png").write_bytes(EPS)
    with pytest.raises(DataError, match=r"x\.png: cannot decode the image: it is not a PNG, JPEG") as e:
        load_folder(root)
    assert "\n" not in str(e.value)
    assert no_ghostscript == []


def test_postscript_named_png_to_decode_image(no_ghostscript):
    from chainrule.data import decode_image
    from chainrule.errors import DataError
    with pytest.raises(DataError, match="not a PNG, JPEG, BMP, GIF, PPM/PGM or WebP file"):
        decode_image(EPS, "x.png")
    assert no_ghostscript == []


def test_image_larger_than_the_pixel_cap_is_refused_before_decoding(tmp_path):
    """A 26 KB PNG declaring 10,000 x 10,000 pixels (300 MB decoded) is refused from its header."""
    import io

    from PIL import Image
    from chainrule.data import decode_image
    buf = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(buf, "PNG")
    out = run_capped(decode_image, buf.getvalue(), "big.png", memory=128 << 20)
    assert_refused(out, "DataError", "big.png", "10000 x 10000 pixels", "scale the image down")


def _fifo(path):
    os.mkfifo(path)


def _dev_zero(path):
    os.symlink("/dev/zero", path)


def _socket(path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    return s


def _dangling(path):
    os.symlink(path.parent / "nowhere.png", path)


@pytest.mark.parametrize("make, kind", [(_fifo, "a FIFO"), (_dev_zero, "a device file"), (_socket, "a socket"),
                                        (_dangling, "a dangling link")], ids=["fifo", "dev-zero", "socket", "dangling"])
def test_image_folder_skips_what_is_not_a_regular_file(tmp_path, make, kind):
    root = image_folder(tmp_path / "pets")
    keep = make(root / "train" / "cat" / "zz.png")
    os.symlink(root / "train" / "cat" / "0.png", root / "train" / "dog" / "linked.png")   # a link to a file: read
    out = run_capped(load_folder, root, memory=256 << 20, timeout=60)
    assert out.status == "returned", out
    count, seen = out.value
    assert count == 7
    assert any("zz.png" in w and kind in w and "not regular files" in w for w in seen), seen
    del keep


@pytest.mark.parametrize("make", [_fifo, _dev_zero], ids=["fifo", "dev-zero"])
def test_read_regular_refuses_fifos_and_devices(tmp_path, make):
    """The reader itself (used by folders and predict) checks the open file, so a swap after the walk is caught."""
    from chainrule._files import read_regular
    make(tmp_path / "x.png")
    out = run_capped(read_regular, tmp_path / "x.png", "image file", memory=64 << 20, timeout=30)
    assert_refused(out, "DataError", "x.png", "not a regular file", "pass a regular image file")


# --- tar archives: sizes checked from the header, the end of the archive required -------------------------

def _load_tar(path):
    return load_folder(path)[0]


def test_tar_member_claiming_a_tebibyte_is_refused_before_reading(tmp_path):
    """A 1.5 KB tar whose image member's size field says 1 TiB."""
    from crafted import lying_tar
    tar = tmp_path / "pets.tar"
    tar.write_bytes(lying_tar("pets/train/cat/0.png", 1 << 40))
    out = run_capped(_load_tar, tar, memory=128 << 20)
    assert_refused(out, "DataError", "0.png", "declares 1,099,511,627,776 bytes", "an image file can hold")


def test_gnu_sparse_member_is_refused(tmp_path):
    """A 2 KB tar holding a GNU sparse member that expands to 64 GiB."""
    from crafted import sparse_tar
    tar = tmp_path / "pets.tar"
    tar.write_bytes(sparse_tar("pets/train/cat/0.png", 64 << 30))
    out = run_capped(_load_tar, tar, memory=128 << 20)
    assert_refused(out, "UnsafeFileError", "0.png", "is a sparse file", "refusing the archive")


def test_tar_gz_bomb_in_a_cifar_archive_is_refused_before_decompressing(tmp_path):
    """A 100 KB cifar-10-python.tar.gz whose data_batch_1 is 100 MB of zeros (the cap: 64 MiB a batch)."""
    from chainrule.data import load_cifar10_python
    from crafted import zeros_tar_gz
    tar = tmp_path / "cifar-10-python.tar.gz"
    zeros_tar_gz(tar, "cifar-10-batches-py/data_batch_1", 100 << 20)
    assert tar.stat().st_size < 200_000
    out = run_capped(load_cifar10_python, tar, memory=48 << 20)
    assert_refused(out, "DataError", "data_batch_1", "declares 104,857,600 bytes", "a CIFAR-10 batch can hold")


def _image_tar(tmp_path) -> tuple[Path, list]:
    import tarfile
    root = image_folder(tmp_path / "pets")
    tar = tmp_path / "pets.tar"
    with tarfile.open(tar, "w", format=tarfile.GNU_FORMAT) as tf:
        tf.add(root, arcname="pets")
    with tarfile.open(tar) as tf:
        offsets = [m.offset for m in tf.getmembers()]
    return tar, offsets


@pytest.mark.parametrize("cut", ["inside a header", "at a header", "inside the end block", "garbage"])
def test_truncated_tar_is_refused_not_read_as_a_smaller_data_set(tmp_path, cut):
    from chainrule.errors import DataError
    tar, offsets = _image_tar(tmp_path)
    blob = tar.read_bytes()
    assert _load_tar(tar) == 6
    last = offsets[-1]                      # the header of the last member
    end = last + 512 + 512                  # its one block of data, then the end-of-archive blocks
    cut_blob = {"inside a header": blob[:last + 100], "at a header": blob[:last],
                "inside the end block": blob[:end + 100],
                "garbage": blob[:last] + b"\x01" * 512 + bytes(1024)}[cut]
    tar.write_bytes(cut_blob)
    with pytest.raises(DataError, match="truncated or corrupt") as e:
        _load_tar(tar)
    assert "download it again" in str(e.value)


def test_tar_listing_and_extracting_refuse_a_truncated_archive(tmp_path):
    from chainrule.data import list_tar, safe_extract
    from chainrule.errors import DataError
    tar, offsets = _image_tar(tmp_path)
    tar.write_bytes(tar.read_bytes()[:offsets[-1] + 100])
    for fn in (list_tar, lambda p: safe_extract(p, tmp_path / "out")):
        with pytest.raises(DataError, match="no end-of-archive block"):
            fn(tar)
    assert not any((tmp_path / "out").rglob("*.png"))


# --- CIFAR-10 python batches: flat labels, short class names, bounded nesting --------------------------------

def _batch_prefix():
    import pickle
    return pickle.dumps({b"data": np.zeros((2, 3072), np.uint8)}, protocol=2)


def _shared(depth):
    x = [1]
    for _ in range(depth):
        x = [x, x]
    return x


@pytest.mark.parametrize("labels, refusal", [(_shared(40), "nested more than 8 levels deep"),
                                             ([[[0] * 1000] * 1000] * 1000, "more than 1,048,576 values")],
                         ids=["deep", "wide"])
def test_cifar_labels_nested_with_shared_references_are_refused_without_expanding(labels, refusal):
    """A few KB of pickle whose labels expand to 2**40 (or 10**9) values."""
    import pickle

    from chainrule.data import read_python_batch
    data = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": labels}, protocol=2)
    assert len(data) < 20_000
    out = run_capped(read_python_batch, data, "data_batch_1", memory=128 << 20, timeout=60)
    assert_refused(out, "DataError", "data_batch_1", refusal)


def test_cifar_labels_nested_200000_deep_are_refused_without_recursion_error():
    from chainrule.data import read_python_batch
    from crafted import deep_list_pickle, with_labels
    data = with_labels(_batch_prefix(), deep_list_pickle(200_000))
    out = run_capped(read_python_batch, data, "data_batch_1", memory=256 << 20, timeout=60)
    assert_refused(out, "DataError", "data_batch_1", "nested more than 8 levels deep")


@pytest.mark.parametrize("labels", [[[0], [1]], [0.0, 1.0], [True, False], [0, 10**30], ["0", "1"]],
                         ids=["nested", "floats", "bools", "huge", "strings"])
def test_cifar_labels_must_be_a_flat_list_of_small_ints(labels):
    import pickle

    from chainrule.data import read_python_batch
    from chainrule.errors import DataError
    data = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": labels}, protocol=2)
    with pytest.raises(DataError, match="'labels' should be a flat list of 2 small integers"):
        read_python_batch(data, "data_batch_1")


@pytest.mark.parametrize("names", [[_shared(25)] * 10, ["x" * 101] * 10, [3] * 10],
                         ids=["shared-nested", "long", "not-strings"])
def test_cifar_class_names_must_be_short_strings(tmp_path, names):
    import pickle

    from chainrule.data.cifar import read_python_meta
    data = pickle.dumps({b"label_names": names}, protocol=2)
    out = run_capped(read_python_meta, data, "batches.meta", memory=128 << 20, timeout=60)
    assert out.status == "raised" and out.raised == "DataError", out
    assert "batches.meta" in out.message and any(w in out.message for w in ("label_names", "nested")), out


# --- checkpoints: nesting, shapes, architectures --------------------------------------------------------------

@pytest.fixture
def checkpoint(tmp_path):
    pytest.importorskip("safetensors", reason="checkpoints need safetensors (pip install chainrule[io])")
    from chainrule import nn
    from chainrule.io import save_checkpoint
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, nn.MLP(3, [4], 2), extra={"note": 1})
    return path


def _every_reader(path):
    """Each way a user reads a checkpoint; the outcomes as (type name, message)."""
    import chainrule as cr
    from chainrule.io import load_checkpoint, read_metadata
    out = []
    for fn in (cr.load, load_checkpoint, read_metadata):
        try:
            fn(path)
            out.append(("returned", ""))
        except Exception as e:      # noqa: BLE001
            out.append((type(e).__name__, str(e)))
    return out


def _assert_every_reader_refuses(path, *words, memory=256 << 20):
    out = run_capped(_every_reader, path, memory=memory, timeout=60)
    assert out.status == "returned", out
    for kind, message in out.value:
        assert kind == "CheckpointError", (kind, message)
        assert "\n" not in message and all(w in message for w in words), message


def test_checkpoint_document_nested_5000_deep_is_refused(checkpoint):
    from crafted import edit_doc
    edit_doc(checkpoint, lambda doc: json_text(doc).replace('{"note":1}', "[" * 5000 + "]" * 5000))
    _assert_every_reader_refuses(checkpoint, "nested more than 64 levels deep")


def test_checkpoint_header_nested_5000_deep_is_refused(checkpoint):
    from crafted import edit_header
    edit_header(checkpoint, lambda h: json_text(h)[:-1] + ',"x":' + "[" * 5000 + "]" * 5000 + "}")
    _assert_every_reader_refuses(checkpoint, "nested more than 64 levels deep")


def test_checkpoint_shape_of_80000_dims_is_refused_at_once(checkpoint):
    from crafted import edit_header

    def edit(h):
        h["model.0.weight"]["shape"] = [2 ** 40] * 80_000
    edit_header(checkpoint, edit)
    _assert_every_reader_refuses(checkpoint, "model.0.weight", "at most 64 of them")


def test_checkpoint_architecture_with_a_float_width_allocates_nothing(checkpoint):
    """hidden=[1e9] in a 3 KB file asked cr.load for 24 GB."""
    from crafted import edit_doc

    def edit(doc):
        doc["architecture"]["config"]["hidden"] = [1e9]
    edit_doc(checkpoint, edit)
    out = run_capped(_every_reader, checkpoint, memory=256 << 20, timeout=60)
    assert out.status == "returned", out
    for kind, message in out.value[:2]:        # read_metadata builds nothing
        assert kind == "CheckpointError" and "every hidden size must be an integer" in message, message


def test_checkpoint_architecture_class_not_a_name(checkpoint):
    from crafted import edit_doc

    def edit(doc):
        doc["architecture"]["class"] = ["MLP"]
    edit_doc(checkpoint, edit)
    out = run_capped(_every_reader, checkpoint, memory=256 << 20, timeout=60)
    for kind, message in out.value[:2]:
        assert kind == "CheckpointError" and "class is ['MLP'], not a class name" in message, message


def test_saving_a_document_nested_too_deep_is_refused(tmp_path):
    pytest.importorskip("safetensors", reason="checkpoints need safetensors (pip install chainrule[io])")
    from chainrule import nn
    from chainrule.errors import CheckpointError
    from chainrule.io import save_checkpoint
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(CheckpointError, match="nested more than 64 levels deep"):
        save_checkpoint(tmp_path / "x.safetensors", nn.MLP(3, [4], 2), extra={"deep": deep})
    assert not list(tmp_path.iterdir())


def json_text(obj) -> str:
    import json
    return json.dumps(obj, separators=(",", ":"))


# --- IDX ------------------------------------------------------------------------------------------------------

def test_idx_impossible_dims_are_refused():
    import struct

    from chainrule.data import parse_idx
    data = bytes([0, 0, 8, 3]) + struct.pack(">3I", 0, 2**32 - 1, 2**32 - 1)
    out = run_capped(parse_idx, data, "t10k-images-idx3-ubyte", memory=64 << 20)
    assert_refused(out, "DataError", "t10k-images", "larger than any IDX data set")


def test_idx_gzip_declaring_more_than_it_can_hold_is_refused_before_reading():
    import gzip
    import struct

    from chainrule.data import parse_idx
    data = gzip.compress(bytes([0, 0, 8, 3]) + struct.pack(">3I", 60000, 100, 100) + bytes(1000))
    out = run_capped(parse_idx, data, "train-images-idx3-ubyte.gz", memory=64 << 20)
    assert_refused(out, "DataError", "declares 600,000,000 bytes", "bytes of gzip can hold")


def test_idx_gzip_bomb_behind_a_small_header_reads_one_byte_past_it(tmp_path):
    """2 MB of gzip holding 2 GB of zeros after a header declaring 10 bytes."""
    import gzip
    import struct

    from chainrule.data import read_idx
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + bytes(10))
        for _ in range(64):
            f.write(bytes(1 << 20))
    out = run_capped(read_idx, path, memory=64 << 20)
    assert_refused(out, "DataError", "more bytes than the header's shape (10,) declares")


@pytest.mark.parametrize("state", [b"N", b"\x00"], ids=["byteorder-N", "byteorder-NUL"])
def test_cifar_pickle_with_a_malformed_dtype_state_is_refused_not_a_segfault(state):
    """NumPy's dtype.__setstate__ trusts its argument: a mutated byte order was accepted, and one mutated
    float32 pickle crashed the process (Segmentation fault; the fuzzer found it 1 time in 6 runs)."""
    import pickle

    from chainrule.data import read_python_batch
    data = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 2]}, protocol=2)
    order = b"X\x01\x00\x00\x00|"                 # the dtype state's byte order, "|" for uint8
    assert data.count(order) == 1
    out = run_capped(read_python_batch, data.replace(order, b"X\x01\x00\x00\x00" + state), "data_batch_1")
    assert_refused(out, "UnsafeFileError", "data_batch_1", "a dtype in the pickle has a malformed state")
