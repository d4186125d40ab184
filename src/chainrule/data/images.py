"""Decoding image files (PNG, JPEG, ...) to uint8 arrays with Pillow, imported only when needed.

`decode_images` decodes many files into one (N, H, W, C) uint8 array, in worker processes when
there are many (forked on Linux; one process elsewhere or when ``workers=1``).
"""
from __future__ import annotations

import collections
import io
import os
import sys

import numpy as np

from ..errors import DataError, MissingDependencyError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".webp")
#: The only formats Pillow may open (whatever a file's name): raster formats decoded by Pillow itself, never
#: PostScript/EPS (handed to Ghostscript) or any other plugin.
RASTER_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "PPM", "WEBP")
MAX_PIXELS = 1 << 26     # 67 million pixels (8192 x 8192): checked before decoding, bounds memory per image
MAX_IMAGE_BYTES = 4 * MAX_PIXELS + (1 << 20)   # an uncompressed RGBA bitmap that large, plus metadata: 257 MiB
_CHUNK = 1024            # images per task sent to a worker; fewer images are decoded here


def require_pillow():
    """Return ``PIL.Image``, or raise `MissingDependencyError` saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise MissingDependencyError(
            "Reading image files needs Pillow, which is not installed; install Pillow: pip install chainrule[data]."
        ) from None
    return Image


def decode_image(data: bytes, name: str, mode: str = "RGB", size=None) -> np.ndarray:
    """Decode one encoded image to a uint8 array of shape (H, W, C) (C = 3 for "RGB", 1 for "L").

    ``size=(H, W)`` resizes (bilinear) when the image has another size. Only `RASTER_FORMATS` are opened,
    images of at most `MAX_PIXELS`; anything else and any decoding failure is a `DataError` naming ``name``.
    """
    Image = require_pillow()
    try:
        with Image.open(io.BytesIO(data), formats=RASTER_FORMATS) as im:
            if im.width * im.height > MAX_PIXELS:
                raise DataError(f"{name}: {im.width} x {im.height} pixels is more than the {MAX_PIXELS:,} allowed; "
                                "scale the image down.")
            im.load()
            if im.mode != mode:
                im = im.convert(mode)
            if size is not None and im.size != (size[1], size[0]):
                im = im.resize((size[1], size[0]), Image.BILINEAR)
            arr = np.asarray(im, dtype=np.uint8)
    except DataError:
        raise
    except Image.UnidentifiedImageError:
        raise DataError(f"{name}: cannot decode the image: it is not a PNG, JPEG, BMP, GIF, PPM/PGM or WebP file; "
                        "replace or remove it.") from None
    except Exception as e:                       # noqa: BLE001 - PIL raises many types for bad files
        raise DataError(f"{name}: cannot decode the image ({type(e).__name__}: {e}); replace or remove the file.") from None
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr


def _decode_chunk(items, mode, size, shape):
    """Decode ``items`` [(name, bytes)] into (n, *shape) uint8; a file of another shape is a DataError."""
    out = np.empty((len(items),) + tuple(shape), dtype=np.uint8)
    for i, (name, data) in enumerate(items):
        arr = decode_image(data, name, mode, size)
        if arr.shape != tuple(shape):
            raise DataError(
                f"{name}: image of shape {arr.shape} where the others are {tuple(shape)}; pass image_size=(H, W) "
                "to resize all images to one size."
            )
        out[i] = arr
    return out


def default_workers() -> int:
    """Worker processes for decoding: the CPUs this process may use (at most 8); 1 under MPI, where
    forking a rank is unsafe with some MPI libraries."""
    if "mpi4py.MPI" in sys.modules:
        return 1
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:                      # not Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def decode_images(items, mode: str = "RGB", size=None, workers=None) -> np.ndarray:
    """Decode ``items``, an iterable of ``(name, encoded_bytes)``, to uint8 (N, H, W, C), in input order.

    ``items`` is consumed lazily, so reading files overlaps with decoding in the workers. All images
    must have one shape unless ``size=(H, W)`` is given. ``workers=None`` uses `default_workers()`
    processes once there are many images; ``workers=1`` decodes in this process.
    """
    it = iter(items)
    first = next(it, None)
    if first is None:
        raise DataError("No images to decode; check that the folder or archive holds image files.")
    shape = decode_image(first[1], first[0], mode, size).shape
    workers = default_workers() if workers is None else max(1, int(workers))
    parts, chunk, pending, pool = [], [first], collections.deque(), None
    try:
        for item in it:
            chunk.append(item)
            if len(chunk) < _CHUNK:
                continue
            if pool is None and workers > 1 and sys.platform.startswith("linux"):
                # fork, not spawn: spawn would re-run an unguarded user script in every worker.
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
            if pool is None:
                parts.append(_decode_chunk(chunk, mode, size, shape))
            else:
                pending.append(pool.submit(_decode_chunk, chunk, mode, size, shape))
                while len(pending) > 2 * workers:          # bound the bytes waiting in the queue
                    parts.append(pending.popleft().result())
            chunk = []
        if chunk:
            if pool is None:
                parts.append(_decode_chunk(chunk, mode, size, shape))
            else:
                pending.append(pool.submit(_decode_chunk, chunk, mode, size, shape))
        while pending:
            parts.append(pending.popleft().result())
    finally:
        if pool is not None:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=True)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]
