"""DataLoader: coverage, reproducibility per epoch, resume mid-run, drop_last, sharding."""
import numpy as np
import pytest

import chainrule.data as crd
from chainrule.errors import ConfigError


def make(n=23, d=3):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    return crd.Dataset(X, np.arange(n) % 4)


def epoch_batches(loader):
    return [(x.copy(), y.copy()) for x, y in loader]


def test_sequential_covers_everything_once():
    ds = make()
    batches = epoch_batches(crd.DataLoader(ds, batch_size=5))
    assert [len(y) for _, y in batches] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), ds.X)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64


def test_drop_last():
    loader = crd.DataLoader(make(), batch_size=5, drop_last=True, shuffle=True, seed=1)
    assert len(loader) == 4 and [len(y) for _, y in loader] == [5, 5, 5, 5]
    assert len(crd.DataLoader(make(), batch_size=5)) == 5


def test_shuffle_is_a_permutation_and_changes_per_epoch():
    ds = make()
    loader = crd.DataLoader(ds, batch_size=4, shuffle=True, seed=3)
    e0 = np.concatenate([x[:, 0] for x, _ in loader])
    e1 = np.concatenate([x[:, 0] for x, _ in loader])
    assert sorted(e0) == sorted(ds.X[:, 0]) and not np.array_equal(e0, e1)
    assert loader.epoch == 2


def test_same_seed_same_order_different_seed_different():
    a = epoch_batches(crd.DataLoader(make(), 4, shuffle=True, seed=7))
    b = epoch_batches(crd.DataLoader(make(), 4, shuffle=True, seed=7))
    c = epoch_batches(crd.DataLoader(make(), 4, shuffle=True, seed=8))
    assert all(np.array_equal(x1, x2) for (x1, _), (x2, _) in zip(a, b))
    assert not all(np.array_equal(x1, x2) for (x1, _), (x2, _) in zip(a, c))


def test_epoch_order_independent_of_history():
    run = crd.DataLoader(make(), 4, shuffle=True, seed=5)
    for _ in range(3):
        list(run)
    third = epoch_batches(run)
    fresh = crd.DataLoader(make(), 4, shuffle=True, seed=5)
    fresh.set_epoch(3)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(third, epoch_batches(fresh)))


def test_resume_mid_epoch_bit_identical():
    aug = crd.Compose([crd.RandomHorizontalFlip(image_shape=(2, 2, 3))])
    ds = crd.Dataset(np.random.default_rng(0).normal(size=(30, 12)), np.zeros(30, int))
    full = crd.DataLoader(ds, 4, shuffle=True, seed=11, transform=aug)
    reference = epoch_batches(full) + epoch_batches(full)

    first = crd.DataLoader(ds, 4, shuffle=True, seed=11, transform=aug)
    got = []
    for i, batch in enumerate(first):
        got.append((batch[0].copy(), batch[1].copy()))
        if i == 2:
            break
    state = first.state_dict()
    resumed = crd.DataLoader(ds, 4, shuffle=True, seed=999, transform=aug)   # seed comes from the state
    resumed.load_state_dict(state)
    got += epoch_batches(resumed) + epoch_batches(resumed)
    assert len(got) == len(reference)
    for (xa, ya), (xb, yb) in zip(got, reference):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_state_mismatch_refused():
    state = crd.DataLoader(make(), 4, shuffle=True, seed=1).state_dict()
    with pytest.raises(ConfigError, match="batch_size"):
        crd.DataLoader(make(), 5, shuffle=True, seed=1).load_state_dict(state)
    with pytest.raises(ConfigError, match="num_samples"):
        crd.DataLoader(make(n=24), 4, shuffle=True, seed=1).load_state_dict(state)


@pytest.mark.parametrize("n,batch,world,drop", [(23, 8, 4, False), (23, 8, 2, True), (40, 6, 3, False), (5, 8, 4, False)])
def test_shards_union_is_the_global_batch(n, batch, world, drop):
    ds = make(n)
    aug = crd.RandomCrop(padding=1, image_shape=(1, 3, 1))
    single = epoch_batches(crd.DataLoader(ds, batch, shuffle=True, seed=2, drop_last=drop, transform=aug))
    ranks = [epoch_batches(crd.DataLoader(ds, batch, shuffle=True, seed=2, drop_last=drop, transform=aug,
                                          num_shards=world, shard_index=r)) for r in range(world)]
    assert all(len(r) == len(single) for r in ranks)                     # same number of steps on every rank
    for b, (X, y) in enumerate(single):
        parts = [ranks[r][b] for r in range(world)]
        if len(y) == batch:
            assert all(len(p[1]) == batch // world for p in parts)
        np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), X)   # augmentation included
        np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), y)


def test_shard_config_errors():
    with pytest.raises(ConfigError, match="multiple of num_shards"):
        crd.DataLoader(make(), 10, num_shards=3)
    with pytest.raises(ConfigError, match="shard_index"):
        crd.DataLoader(make(), 8, num_shards=2, shard_index=2)
    with pytest.raises(ConfigError, match="seed"):
        crd.DataLoader(make(), 8, shuffle=True, num_shards=2)
    with pytest.raises(ConfigError, match="batch_size"):
        crd.DataLoader(make(), 0)


def test_plain_callable_transform_and_tuple_dataset():
    X = np.ones((6, 2), np.float32)
    loader = crd.DataLoader((X, np.zeros(6, np.int64)), 4, transform=lambda b: b * 2)
    assert all(np.all(x == 2) for x, _ in loader)
    seen = []
    crd.DataLoader((X, np.zeros(6, np.int64)), 4, seed=1, transform=lambda b, rng: seen.append(rng) or b).batch(0, 0)
    assert isinstance(seen[0], np.random.Generator)


def test_unseeded_shuffle_draws_and_records_a_seed():
    a = crd.DataLoader(make(), 4, shuffle=True)
    b = crd.DataLoader(make(), 4, shuffle=True)
    assert a.seed != b.seed
    b.load_state_dict(a.state_dict())
    assert np.array_equal(a.order(0), b.order(0))
