"""The decoded-array cache: hits, invalidation when the source changes, atomic and pickle-free files."""
import os

import numpy as np
import pytest

import chainrule.data as crd
from chainrule.data import cache as cache_mod


def test_cache_hit_skips_decoding(tmp_path, private_cache, write_idx_set, monkeypatch):
    write_idx_set(tmp_path / "fm", n_train=30, n_test=10)
    first = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", val_size=5)
    assert len(cache_mod.cache_entries("idx")) == 1

    def boom(*a, **k):
        raise AssertionError("decoded again despite a valid cache entry")

    monkeypatch.setattr("chainrule.data.registry.load_idx_folder", boom)
    second = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", val_size=5)
    np.testing.assert_array_equal(first.train.X, second.train.X)
    np.testing.assert_array_equal(first.test.y, second.test.y)
    entry = cache_mod.cache_entries("idx")[0]
    assert sorted(p.name for p in entry.iterdir()) == ["meta.json", "test.X.npy", "test.y.npy",
                                                       "train.X.npy", "train.y.npy"]
    np.load(entry / "train.X.npy", allow_pickle=False)      # plain arrays, no pickles
    assert entry.parent.parent.parent == private_cache


def test_content_change_invalidates(tmp_path, write_idx_set):
    folder = tmp_path / "fm"
    write_idx_set(folder, seed=1)
    a = crd.load_dataset("fashion-mnist", data_dir=folder, val_size=0)
    st = (folder / "t10k-labels-idx1-ubyte.gz").stat()
    write_idx_set(folder, seed=2)                          # same sizes, new content
    os.utime(folder / "t10k-labels-idx1-ubyte.gz", ns=(st.st_atime_ns, st.st_mtime_ns))
    b = crd.load_dataset("fashion-mnist", data_dir=folder, val_size=0)
    assert not np.array_equal(a.test.X, b.test.X)
    assert len(cache_mod.cache_entries("idx")) == 1          # the stale entry was removed


def test_large_sources_keyed_by_size_and_mtime(tmp_path, write_idx_set, monkeypatch):
    monkeypatch.setattr(cache_mod, "SMALL_SOURCE_BYTES", 0)  # behave as for big files: no content hash
    folder = tmp_path / "fm"
    write_idx_set(folder, seed=1)
    a = crd.load_dataset("fashion-mnist", data_dir=folder, val_size=0)
    write_idx_set(folder, seed=2)
    for f in folder.iterdir():                              # make sure the mtime moved
        os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    b = crd.load_dataset("fashion-mnist", data_dir=folder, val_size=0)
    assert not np.array_equal(a.train.X, b.train.X)


def test_damaged_entry_is_rebuilt(tmp_path, write_idx_set):
    write_idx_set(tmp_path / "fm")
    a = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", val_size=0)
    entry = cache_mod.cache_entries("idx")[0]
    (entry / "train.X.npy").write_bytes(b"\x93NUMPY garbage")
    b = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", val_size=0)
    np.testing.assert_array_equal(a.train.X, b.train.X)


def test_pickled_npy_in_cache_is_not_loaded(tmp_path, write_idx_set):
    write_idx_set(tmp_path / "fm")
    a = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", val_size=0)
    entry = cache_mod.cache_entries("idx")[0]
    with open(entry / "train.y.npy", "wb") as f:           # an object array would need pickle to load
        np.save(f, np.array([object()] * 12, dtype=object), allow_pickle=True)
    b = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", val_size=0)
    np.testing.assert_array_equal(a.train.y, b.train.y)


def test_cache_dir_resolution(tmp_path, monkeypatch):
    assert crd.cache_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path / "env"))
    assert crd.cache_dir() == tmp_path / "env"
    monkeypatch.delenv("CHAINRULE_CACHE")
    assert crd.cache_dir() == crd.cache_dir().home() / ".cache" / "chainrule"


def test_unwritable_cache_warns_but_loads(tmp_path, write_idx_set):
    write_idx_set(tmp_path / "fm")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(UserWarning, match="cache"):
        s = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", cache=blocker / "sub", val_size=0)
    assert len(s.train) == 12


def test_use_cache_false_writes_nothing(tmp_path, private_cache, write_idx_set):
    write_idx_set(tmp_path / "fm")
    crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", use_cache=False, val_size=0)
    assert not private_cache.exists()
