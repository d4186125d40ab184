"""Finding data from the command line: the same search path as the Python API, advice a CLI user can follow,
and ``--download`` (never a real download here: the downloader is replaced)."""
from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest
from cli_helpers import assert_one_line_error

import chainrule.data.registry as registry

QUIET = ("--progress", "none", "--no-plots")


def _write_mnist(folder, n_train=60, n_test=20):
    """The four MNIST IDX files (gzipped), 28x28 images of 10 classes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        X = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = (np.arange(n) % 10).astype(np.uint8)
        for stem, arr in ((f"{prefix}-images-idx3-ubyte", X), (f"{prefix}-labels-idx1-ubyte", y)):
            head = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
            (folder / f"{stem}.gz").write_bytes(gzip.compress(head + arr.tobytes()))
    return folder


@pytest.mark.parametrize("where", ["CHAINRULE_DATA", "./data", "download folder"])
def test_the_cli_searches_where_the_python_api_does(cli, tmp_path, monkeypatch, where):
    root = {"CHAINRULE_DATA": tmp_path / "mine", "./data": tmp_path / "data",
            "download folder": tmp_path / "cache" / "datasets"}[where]
    _write_mnist(root / "mnist")
    if where == "CHAINRULE_DATA":
        monkeypatch.setenv("CHAINRULE_DATA", str(root))
    assert root in registry.search_path()
    r = cli("train", "--dataset", "mnist", "--model", "linear", "--epochs", "1", "--val-size", "10", *QUIET)
    assert r.code == 0, r


def test_missing_data_gives_advice_for_the_command_line(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "no-debian-package")
    r = cli("train", "--dataset", "cifar10")
    assert_one_line_error(r, "cifar10 not found", "--download", "--data-dir", "$CHAINRULE_DATA")
    assert "fetch(" not in r.err and "download=True" not in r.err and "data_dir=" not in r.err, r.err
    r = cli("train", "--dataset", "fashion-mnist", "--data-dir", "nowhere")
    assert_one_line_error(r, "apt-get install dataset-fashion-mnist", "--download")


def test_download_fetches_what_is_missing(cli, tmp_path, monkeypatch):
    fetched = []

    def fake_fetch(name, data_dir=None, *, cache=None, **kw):            # what the real one leaves on disk
        fetched.append(name)
        return _write_mnist((tmp_path / "cache" / "datasets") / name)
    monkeypatch.setattr(registry, "fetch", fake_fetch)
    r = cli("train", "--dataset", "mnist", "--model", "linear", "--epochs", "1", "--val-size", "10", "--download",
            "--name", "m", *QUIET)
    assert r.code == 0, r
    assert fetched == ["mnist"]
    assert json.loads((tmp_path / "runs/m/final.json").read_text())["test"]["n"] == 20
    r = cli("eval", "runs/m", "--download", "--json")                    # found now: nothing more to fetch
    assert r.code == 0 and fetched == ["mnist"], r


def test_download_of_a_generated_or_own_data_set_is_refused(cli, tmp_path):
    assert_one_line_error(cli("train", "--download"), "--download", "spiral is generated")
    assert_one_line_error(cli("train", "--dataset", f"folder:{tmp_path}", "--download"), "--download", "your own folder")
