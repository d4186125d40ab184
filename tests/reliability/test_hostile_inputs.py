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
