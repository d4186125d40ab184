"""Fuzzing more of what strangers hand us: CIFAR-10 binary batches, encoded images, the TOML settings of
``chainrule train --config`` and the JSON state inside checkpoints. The only outcomes allowed are a correct
result or the documented error type (`DataError`, `ConfigError`, `CheckpointError`).
(Checkpoint bytes and the expression parser: test_fuzz_parsers.py; IDX files and pickles: tests/data.)"""
from __future__ import annotations

import io
import json
import os
import struct
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.data import decode_image, read_binary_batch
from chainrule.data.cifar import RECORD_BYTES
from chainrule.errors import CheckpointError, ConfigError, DataError

EXAMPLES = int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", "300"))     # raise it for a long run
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- CIFAR-10 binary batches -------------------------------------------------------------------------------

def _check_batch(X, y, n_bytes):
    assert X.dtype == np.uint8 and X.shape == (n_bytes // RECORD_BYTES, 32, 32, 3)
    assert y.dtype == np.int64 and y.shape == (X.shape[0],) and y.min() >= 0 and y.max() <= 9


@FUZZ
@given(blob=st.one_of(st.binary(max_size=2 * RECORD_BYTES + 5),
                      st.integers(1, 3).flatmap(lambda n: st.binary(min_size=n * RECORD_BYTES,
                                                                    max_size=n * RECORD_BYTES))))
def test_random_bytes_are_a_cifar_batch_or_a_data_error(blob):
    try:
        X, y = read_binary_batch(blob, "data_batch_1.bin")
    except DataError as e:
        assert "data_batch_1.bin" in str(e)
        return
    _check_batch(X, y, len(blob))


@FUZZ
@given(data=st.data())
def test_mutated_cifar_batches_read_correctly_or_raise_data_error(data):
    rng = np.random.default_rng(0)
    n = 3
    records = np.concatenate([rng.integers(0, 10, (n, 1)), rng.integers(0, 256, (n, 3072))], axis=1).astype(np.uint8)
    blob = bytearray(records.tobytes())
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["flip", "truncate", "extend", "label"]))
        if kind == "flip" and blob:
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
        elif kind == "truncate":
            del blob[data.draw(st.integers(0, len(blob))):]
        elif kind == "extend":
            blob += data.draw(st.binary(max_size=RECORD_BYTES + 1))
        elif len(blob) >= RECORD_BYTES:
            record = data.draw(st.integers(0, len(blob) // RECORD_BYTES - 1))
            blob[RECORD_BYTES * record] = data.draw(st.integers(0, 255))
    try:
        X, y = read_binary_batch(bytes(blob), "test_batch.bin")
    except DataError:
        return
    _check_batch(X, y, len(blob))
    # what was read is what was stored: labels, then the red, green and blue planes of each image
    rec = np.frombuffer(bytes(blob), np.uint8).reshape(-1, RECORD_BYTES)
    np.testing.assert_array_equal(y, rec[:, 0])
    np.testing.assert_array_equal(X[:, :, :, 0].reshape(len(y), -1), rec[:, 1:1025])


# --- encoded images ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def encoded_images():
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    out = []
    for fmt, mode in (("PNG", "RGB"), ("JPEG", "RGB"), ("PNG", "L"), ("GIF", "P"), ("BMP", "RGB")):
        arr = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
        im = Image.fromarray(arr).convert(mode)
        buf = io.BytesIO()
        im.save(buf, format=fmt)
        out.append(buf.getvalue())
    return out


def _check_image(arr, mode):
    assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == (3 if mode == "RGB" else 1)


@FUZZ
@given(blob=st.binary(max_size=300), mode=st.sampled_from(["RGB", "L"]))
def test_random_bytes_decode_or_raise_data_error(blob, mode):
    try:
        arr = decode_image(blob, "upload.png", mode=mode)
    except DataError as e:
        assert "upload.png" in str(e)
        return
    _check_image(arr, mode)


@FUZZ
@given(data=st.data(), mode=st.sampled_from(["RGB", "L"]), size=st.sampled_from([None, (4, 4)]))
def test_mutated_images_decode_or_raise_data_error(encoded_images, data, mode, size):
    blob = bytearray(data.draw(st.sampled_from(encoded_images)))
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
        if kind == "flip" and blob:
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
        elif kind == "truncate":
            del blob[data.draw(st.integers(0, len(blob))):]
        else:
            i = data.draw(st.integers(0, len(blob)))
            blob[i:i] = data.draw(st.binary(max_size=8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # Pillow warns about some truncated files it still decodes
        try:
            arr = decode_image(bytes(blob), "photo.jpg", mode=mode, size=size)
        except DataError as e:
            assert "photo.jpg" in str(e)
            return
    _check_image(arr, mode)
    if size is not None:
        assert arr.shape[:2] == size


# --- TOML settings of `chainrule train --config` -------------------------------------------------------------

from chainrule.train import config as train_config  # noqa: E402  (read-only here: fuzzed, never changed)

KEYS = sorted(train_config.OPTIONS) + ["extra", "train", "hidden-layers", "lr ", "LR", "optimiser"]
SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["sgd", "adam", "none", "relu", "cosine", "cifar10", "spiral", "folder:", "folder:x", "100",
                     "512,256", "1e-3", "-1", "0", "inf", "nan", "true", "mlp", "linear", "both", "auto"]))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(value), repr(value))
    if isinstance(value, str):
        return json.dumps(value)                   # a TOML basic string is JSON's string syntax
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3),
                   st.dictionaries(st.sampled_from(["a", "lr", "hidden"]), SCALARS, max_size=2))


def _load_settings(tmp_path, text):
    path = tmp_path / "run.toml"
    path.write_text(text, encoding="utf-8")
    values = train_config.read_toml(path)
    return train_config.resolve({}, values)


@FUZZ
@given(settings_=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6), table=st.booleans())
def test_toml_settings_give_a_valid_config_or_a_config_error(tmp_path, settings_, table):
    lines = ["[train]"] if table else []
    lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in settings_.items()]
    try:
        cfg = _load_settings(tmp_path, "\n".join(lines) + "\n")
    except ConfigError:
        return
    assert isinstance(cfg, train_config.TrainConfig)
    train_config.check(cfg)
    assert cfg.optimizer in train_config.OPTIMIZERS and cfg.epochs >= 1 and cfg.batch_size >= 1
    assert np.isfinite(cfg.lr) and cfg.lr > 0 and all(isinstance(h, int) and h >= 1 for h in cfg.hidden)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list('abclr=[]{}"\'#.,-_ 0123456789\n\t') + ["\u00e9", "\x00"]),
                    max_size=60))
def test_arbitrary_toml_text_gives_a_config_or_a_config_error(tmp_path, text):
    try:
        _load_settings(tmp_path, text)
    except ConfigError:
        pass


def test_a_settings_file_that_is_not_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "run.toml"
    path.write_bytes(b'lr = "\xff\xfe"\n')
    with pytest.raises(ConfigError):
        train_config.read_toml(path)


# --- the JSON state inside checkpoints ---------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=8), st.sampled_from(["__tensor__", "__tuple__", "__items__", "__float__", "inf",
                                                    "optimizer.state.0.momentum_buffer", "model.weight"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["__tensor__", "__tuple__", "__items__", "__float__",
                                                             "state", "param_groups", "params", "lr", "step",
                                                             "momentum_buffer", "last_epoch", "0", "a"]),
                                            inner, max_size=3)),
    max_leaves=8)


def _parts():
    cr.manual_seed(0)
    model = cr.nn.Linear(3, 2)
    opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = cr.optim.lr_scheduler.StepLR(opt, step_size=2)
    return model, opt, sched


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from safetensors.numpy import load
    model, opt, sched = _parts()
    loss = (model(cr.randn(4, 3)) ** 2).sum()
    loss.backward()
    opt.step()
    sched.step()
    path = tmp_path_factory.mktemp("ckpt") / "ckpt.safetensors"
    cr.io.save_checkpoint(path, model, opt, sched, extra={"epoch": 1, "history": [0.5, float("inf")]})
    blob = path.read_bytes()
    n = struct.unpack("<Q", blob[:8])[0]
    doc = json.loads(json.loads(blob[8:8 + n])["__metadata__"]["chainrule"])
    return load(blob), doc


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _replace(obj, path, value):
    if not path:
        return value
    obj = json.loads(json.dumps(obj))
    target = obj
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    return obj


@FUZZ
@given(data=st.data())
def test_checkpoints_with_mutated_state_load_and_train_or_raise_checkpoint_error(tmp_path, checkpoint, data):
    from safetensors.numpy import save
    tensors, doc = checkpoint
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(_paths(doc))))
        doc = _replace(doc, path, data.draw(JSON_VALUES))
    file = tmp_path / "fuzzed.safetensors"
    try:
        text = json.dumps(doc)
    except ValueError:
        return
    file.write_bytes(save(tensors, metadata={"chainrule": text}))
    state = cr.random.get_rng_state()
    try:
        try:
            cr.io.read_metadata(file)
        except CheckpointError:
            pass
        model, opt, sched = _parts()
        try:
            got = cr.io.load_checkpoint(file, model=model, optimizer=opt, scheduler=sched)
        except CheckpointError:
            return
        assert isinstance(got["extra"], dict) and isinstance(got["metadata"], dict)
        with np.errstate(all="ignore"):                  # what loads must also train
            (model(cr.randn(4, 3)) ** 2).sum().backward()
            opt.step()
            sched.step()
    finally:
        cr.random.set_rng_state(state)
