"""Validation hold-out and preprocessing fitted on the training split only; augmentation transforms."""
import numpy as np
import pytest

import chainrule.data as crd
from chainrule.errors import ConfigError, DataError, ShapeError


def test_stratified_split_exact_counts_and_seeded():
    y = np.repeat(np.arange(10), 500)
    tr, va = crd.train_val_split(y, 1000, seed=0)
    assert len(va) == 1000 and len(tr) == 4000 and not set(tr) & set(va)
    assert list(np.bincount(y[va])) == [100] * 10
    tr2, va2 = crd.train_val_split(y, 1000, seed=0)
    _, va3 = crd.train_val_split(y, 1000, seed=1)
    assert np.array_equal(va, va2) and not np.array_equal(va, va3)


def test_stratified_rounding_and_other_methods():
    y = np.array([0] * 7 + [1] * 3)
    _, va = crd.train_val_split(y, 5, seed=0)               # shares 3.5 / 1.5: the tie goes to class 0
    assert list(np.bincount(y[va])) == [4, 1]
    _, va = crd.train_val_split(y, 4, seed=0)               # shares 2.8 / 1.2: largest remainder wins
    assert list(np.bincount(y[va])) == [3, 1]
    _, last = crd.train_val_split(y, 3, method="last")
    assert list(last) == [7, 8, 9]
    tr, rnd = crd.train_val_split(y, 0.3, method="random", seed=4)
    assert len(rnd) == 3 and len(tr) == 7
    with pytest.raises(ConfigError):
        crd.train_val_split(y, 10)
    with pytest.raises(ConfigError):
        crd.train_val_split(y, 2, method="bogus")


def test_statistics_come_from_train_only(tmp_path, write_idx_set):
    write_idx_set(tmp_path / "fm", n_train=40, n_test=10)
    s = crd.load_dataset("fashion-mnist", data_dir=tmp_path / "fm", val_size=8, normalize="per_channel")
    raw_train = s.preprocessor.inverse(s.train.X)
    assert abs(float(s.train.X.mean())) < 1e-5 and abs(float(s.train.X.std()) - 1) < 1e-4
    assert abs(float(s.preprocessor.mean[0]) - raw_train.mean() / 255) < 1e-5
    # val and test went through the same affine map: their mean is not forced to 0
    assert abs(float(s.test.X.mean())) > 1e-4
    np.testing.assert_allclose(s.preprocessor.transform(s.preprocessor.inverse(s.test.X).round().astype(np.uint8)),
                               s.test.X, atol=1e-5)


@pytest.mark.parametrize("mode", ["none", "scale", "mean_image", "per_channel", "standardize"])
def test_modes_against_numpy(mode):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (50, 4, 4, 3), dtype=np.uint8)
    Xf = X.astype(np.float64) / 255
    ref = {"none": X.astype(np.float64), "scale": Xf, "mean_image": Xf - Xf.mean(0),
           "per_channel": (Xf - Xf.mean((0, 1, 2))) / Xf.std((0, 1, 2)),
           "standardize": (Xf - Xf.mean(0)) / Xf.std(0)}[mode]
    p = crd.Preprocessor(mode).fit(X)
    out = p.transform(X)
    assert out.dtype == np.float32 and out.shape == (50, 48)
    np.testing.assert_allclose(out, ref.reshape(50, -1), atol=2e-6 * max(1, np.abs(ref).max()))
    np.testing.assert_allclose(p.inverse(out), X, atol=1e-3)
    q = crd.Preprocessor().load_state_dict(p.state_dict())
    np.testing.assert_array_equal(q.transform(X), out)
    assert crd.Preprocessor(mode, flatten=False).fit(X).transform(X).shape == X.shape


def test_constant_feature_and_errors():
    X = np.zeros((5, 2), np.float32)
    X[:, 1] = np.arange(5)
    out = crd.Preprocessor("standardize").fit(X).transform(X)
    assert np.all(np.isfinite(out)) and np.all(out[:, 0] == 0)
    with pytest.raises(ConfigError):
        crd.Preprocessor("bogus")
    with pytest.raises(ConfigError, match="fit"):
        crd.Preprocessor().transform(X)
    with pytest.raises(DataError, match="shape"):
        crd.Preprocessor().fit(X).transform(np.zeros((2, 3)))


def test_flip_and_crop_nhwc_and_flat():
    X = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)
    flip = crd.RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(flip(X, rng=0), X[:, :, ::-1])
    flat = crd.RandomHorizontalFlip(p=1.0, image_shape=(4, 5, 3))
    np.testing.assert_array_equal(flat(X.reshape(2, -1), rng=0), X[:, :, ::-1].reshape(2, -1))
    crop = crd.RandomCrop(padding=2)
    out = crop.apply(X, np.array([[2, 2], [0, 4]]))              # offset (p, p) is the identity
    np.testing.assert_array_equal(out[0], X[0])
    np.testing.assert_array_equal(out[1, 2:, :3], X[1, :2, 2:])  # shifted down 2, left 2, zero-filled
    assert np.all(out[1, :2] == 0) and np.all(out[1, :, 3:] == 0)
    with pytest.raises(ShapeError):
        crop(X.reshape(2, -1), rng=0)


@pytest.mark.parametrize("padding", [1, 2, 4])
def test_crop_is_each_images_window_of_its_padded_image(padding):
    """Every image gets its own offset's window, zeros outside (the per-image definition, bit for bit)."""
    rng = np.random.default_rng(padding)
    X = rng.normal(size=(300, 6, 5, 3)).astype(np.float32)
    crop = crd.RandomCrop(padding=padding)
    offsets = crop.draw(len(X), rng)
    out = crop.apply(X, offsets)
    padded = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    for img, (dy, dx), got in zip(padded, offsets, out):
        np.testing.assert_array_equal(got, img[dy:dy + 6, dx:dx + 5])


def test_augmentation_is_seeded_and_random():
    X = np.random.default_rng(0).normal(size=(64, 8, 8, 3)).astype(np.float32)
    aug = crd.standard_augmentation((8, 8, 3))
    a, b, c = aug(X, rng=1), aug(X, rng=1), aug(X, rng=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and a.shape == X.shape
