"""Downloading the official archives, verified against their published SHA-256 checksums.

A download streams into a temporary file beside the target and is renamed into place only when
its SHA-256 matches; on a mismatch the temporary file is deleted and `DataError` is raised, so a
half-written or tampered file is never left where a loader would find it.
"""
from __future__ import annotations

import hashlib
import http.client
import re
import urllib.error
import urllib.request
from pathlib import Path

from .._files import atomic_write
from ..errors import ConfigError, DataError
from .cache import cache_dir

_CIFAR = "https://www.cs.toronto.edu/~kriz/"
_FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_MNIST = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")

# Published SHA-256 of the official files (the same values are used by torchvision, Keras and TFDS).
# dataset -> (sub-folder of the download folder, {file name: (mirror URLs, sha256)})
DOWNLOADS = {
    "cifar10": ("", {
        "cifar-10-python.tar.gz": ((_CIFAR + "cifar-10-python.tar.gz",),
                                   "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    }),
    "cifar10-binary": ("", {
        "cifar-10-binary.tar.gz": ((_CIFAR + "cifar-10-binary.tar.gz",),
                                   "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"),
    }),
    "fashion-mnist": ("fashion-mnist", {
        "train-images-idx3-ubyte.gz": ((_FASHION + "train-images-idx3-ubyte.gz",),
                                       "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        "train-labels-idx1-ubyte.gz": ((_FASHION + "train-labels-idx1-ubyte.gz",),
                                       "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        "t10k-images-idx3-ubyte.gz": ((_FASHION + "t10k-images-idx3-ubyte.gz",),
                                      "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        "t10k-labels-idx1-ubyte.gz": ((_FASHION + "t10k-labels-idx1-ubyte.gz",),
                                      "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    }),
    "mnist": ("mnist", {
        "train-images-idx3-ubyte.gz": (tuple(m + "train-images-idx3-ubyte.gz" for m in _MNIST),
                                       "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        "train-labels-idx1-ubyte.gz": (tuple(m + "train-labels-idx1-ubyte.gz" for m in _MNIST),
                                       "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        "t10k-images-idx3-ubyte.gz": (tuple(m + "t10k-images-idx3-ubyte.gz" for m in _MNIST),
                                      "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        "t10k-labels-idx1-ubyte.gz": (tuple(m + "t10k-labels-idx1-ubyte.gz" for m in _MNIST),
                                      "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    }),
}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class _CutShort(Exception):
    """A response shorter than its Content-Length (raised inside atomic_write, so the partial file goes)."""


def file_sha256(path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of the file at ``path``."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            h.update(chunk)
    return h.hexdigest()


def default_download_dir(cache=None) -> Path:
    """Where `fetch` puts data sets when no folder is given: ``<cache folder>/datasets``."""
    return cache_dir(cache) / "datasets"


def download(url, dest, sha256: str, *, timeout: float = 60.0, progress=None) -> Path:
    """Download ``url`` (a URL or a sequence of mirror URLs, tried in order) to ``dest``, verified by ``sha256``.

    If ``dest`` already has that checksum nothing is downloaded. ``progress(done_bytes, total_bytes_or_None)``
    is called after each chunk. Returns ``dest``. Raises `ConfigError` for a missing or malformed
    checksum or a non-HTTP(S) URL, and `DataError` for a checksum mismatch (no file is left) or when
    every mirror fails.
    """
    if not isinstance(sha256, str) or not _HEX64.match(sha256.strip().lower()):
        raise ConfigError(
            f"sha256={sha256!r} is not a 64-digit hex SHA-256; pass the checksum the data publisher gives for {url}."
        )
    expected = sha256.strip().lower()
    dest = Path(dest)
    if dest.is_file() and file_sha256(dest) == expected:
        return dest
    urls = [url] if isinstance(url, str) else list(url)
    failures = []
    for u in urls:
        if not str(u).lower().startswith(("http://", "https://")):
            raise ConfigError(f"Cannot download {u!r}: only http:// and https:// URLs are supported.")
        request = urllib.request.Request(u, headers={"User-Agent": "chainrule-data"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp, atomic_write(dest, "wb") as out:
                total = resp.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                h, done = hashlib.sha256(), 0
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
                    h.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
                if total is not None and done != total:     # the connection ended early: try the next mirror
                    raise _CutShort(f"{u}: the connection ended after {done:,} of {total:,} bytes")
                got = h.hexdigest()
                if got != expected:            # raising inside atomic_write deletes the temporary file
                    raise DataError(
                        f"{dest.name} from {u} has SHA-256 {got}, not the expected {expected}; the download is corrupt "
                        "or tampered with and was deleted, try again later or get the file from the official site."
                    )
            return dest
        except _CutShort as e:
            failures.append(str(e))
        except urllib.error.HTTPError as e:
            failures.append(f"{u}: HTTP {e.code} {e.reason}")
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as e:
            failures.append(f"{u}: {getattr(e, 'reason', e)}")
    raise DataError(
        f"Could not download {dest.name} ({'; '.join(failures)}); check the internet connection, or download it by hand "
        f"into {dest.parent}."
    )


def fetch(name: str, data_dir=None, *, cache=None, timeout: float = 60.0, progress=None) -> Path:
    """Download data set ``name`` ("cifar10", "cifar10-binary", "fashion-mnist" or "mnist") and return its folder.

    Files go into ``data_dir`` (default `default_download_dir`), under ``fashion-mnist/`` or ``mnist/``
    for those two; files already present with the right checksum are kept.
    """
    if name not in DOWNLOADS:
        raise ConfigError(f"No download is known for {name!r}; choose one of {', '.join(DOWNLOADS)}.")
    sub, files = DOWNLOADS[name]
    folder = Path(data_dir) if data_dir is not None else default_download_dir(cache)
    folder = folder / sub if sub else folder
    for filename, (urls, sha) in files.items():
        download(urls, folder / filename, sha, timeout=timeout,
                 progress=(lambda d, t, f=filename: progress(f, d, t)) if progress else None)
    return folder
