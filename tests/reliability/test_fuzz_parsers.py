"""Fuzzing the parsers that read what strangers hand us: the only outcomes are a correct result or the
documented error type. (IDX files and CIFAR pickles are fuzzed in tests/data.)"""
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import CheckpointError
from chainrule.viz.expression import ExpressionError, evaluate, parse

FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def valid_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "model.safetensors"
    cr.manual_seed(0)
    cr.save(cr.nn.MLP(4, [3], 2), path)
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_mutated_checkpoints_load_or_raise_checkpoint_error(tmp_path, valid_checkpoint, data):
    blob = bytearray(valid_checkpoint)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "truncate", "header_len", "insert"]))
        if kind == "flip" and blob:
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
        elif kind == "truncate":
            del blob[data.draw(st.integers(0, len(blob))):]
        elif kind == "header_len":
            blob[:8] = struct.pack("<Q", data.draw(st.integers(0, 2**64 - 1)))
        else:
            i = data.draw(st.integers(0, len(blob)))
            blob[i:i] = data.draw(st.binary(max_size=16))
    path = tmp_path / "fuzzed.safetensors"
    path.write_bytes(bytes(blob))
    try:
        loaded = cr.load(path)
    except CheckpointError:
        return
    # Loaded: a model whose parameters have the declared shapes, or (metadata changed) a plain state dict.
    if isinstance(loaded, cr.nn.Module):
        assert all(isinstance(p.data, np.ndarray) and p.data.dtype.kind == "f" for p in loaded.parameters())
    else:
        assert all(isinstance(np.asarray(v), np.ndarray) for v in loaded.values())


@FUZZ
@given(blob=st.binary(max_size=200))
def test_random_bytes_are_refused_as_checkpoints(tmp_path, blob):
    path = tmp_path / "random.safetensors"
    path.write_bytes(blob)
    with pytest.raises(CheckpointError):
        cr.load(path)


TOKENS = st.sampled_from(["x", "y", "z", "1", "2.5", "1e3", "+", "-", "*", "/", "**", "(", ")", ",", "max", "min",
                          "exp", "log", "relu", "sigmoid", "tanh", " ", "foo", "$", "..", "1e", "((("])


@FUZZ
@given(tokens=st.lists(TOKENS, max_size=25))
def test_expressions_evaluate_or_raise_expression_error(tokens):
    text = "".join(tokens)
    try:
        expr = parse(text)
    except ExpressionError:
        return
    try:
        out = evaluate(expr, {"x": 3.0, "y": -4.0, "z": 2.0})
    except ExpressionError:
        return
    assert isinstance(out, cr.Tensor) and out.shape == ()


@FUZZ
@given(text=st.text(max_size=40))
def test_arbitrary_text_never_crashes_the_expression_parser(text):
    try:
        parse(text)
    except ExpressionError:
        pass
