"""Plain helpers shared by the chainrule.data tests (fixture writers live in conftest.py)."""
import io
import struct
import tarfile
from pathlib import Path

import numpy as np

from real_data import CIFAR_JPEG_TAR  # noqa: F401  (the tests import it from here)
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def cifar_arrays(n, seed):
    """n CIFAR-like records: uint8 planes (n, 3072) as in the files, and labels 0..9."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), rng.integers(0, 10, size=n)


def planes_to_nhwc(flat):
    return flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def idx_bytes(arr, code=0x08):
    arr = np.asarray(arr)
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    head = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(dtype).tobytes()


def encode_image(arr, fmt):
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return buf.getvalue()


def add_bytes(tf, name, data, **attrs):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for k, v in attrs.items():
        setattr(info, k, v)
    tf.addfile(info, io.BytesIO(data))
