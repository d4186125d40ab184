"""The restricted unpickler: allowed NumPy rebuilding only; random bytes give a result or DataError."""
import pickle
import pickletools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.data import RestrictedUnpickler, safe_loads
from chainrule.errors import DataError, UnsafeFileError


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_arrays_round_trip(protocol):
    obj = {b"data": np.arange(12, dtype=np.uint8).reshape(3, 4), b"labels": [1, 2, 3],
           "f": np.asfortranarray(np.ones((2, 3))), "s": np.float32(2.5)}
    out = safe_loads(pickle.dumps(obj, protocol=protocol), "x")
    np.testing.assert_array_equal(out[b"data"], obj[b"data"])
    np.testing.assert_array_equal(out["f"], obj["f"])
    assert out[b"labels"] == [1, 2, 3] and out["s"] == np.float32(2.5)


@pytest.mark.parametrize("payload", [
    b"cos\nsystem\n(S'echo hi'\ntR.",                 # protocol 0 GLOBAL + REDUCE
    b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R.",  # STACK_GLOBAL
    b"cbuiltins\ngetattr\n.",
    b"cnumpy\nload\n.",
    b"cnumpy.core.multiarray\nscalar\n(cbuiltins\nobject\ntR.",
])
def test_forbidden_globals(payload):
    with pytest.raises(UnsafeFileError):
        safe_loads(payload, "evil.pkl")


def test_allowed_helpers_are_constrained():
    # ndarray itself is not callable from a pickle, and _reconstruct may not preallocate.
    calls = [
        b"cnumpy\nndarray\n((I100000000\ntcnumpy\ndtype\n(S'u1'\ntRtR.",
        b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\n(I1000000000\ntS'b'\ntR.",
        b"c_codecs\nencode\n(Vabc\nVrot13\ntR.",
        b"cnumpy\ndtype\n(S'O'\ntR.",
    ]
    for payload in calls:
        with pytest.raises(DataError):
            safe_loads(payload, "x.pkl")


def test_build_cannot_set_attributes_on_helpers():
    payload = b"cnumpy\ndtype\n(N(dVx\nI1\nstb."     # BUILD with slotstate: setattr(helper, 'x', 1)
    with pytest.raises(DataError, match="AttributeError"):
        safe_loads(payload, "x.pkl")


def test_find_class_direct():
    import io
    up = RestrictedUnpickler(io.BytesIO(b""), name="f")
    with pytest.raises(UnsafeFileError, match="os.system"):
        up.find_class("os", "system")


def valid_pickles():
    arrays = st.sampled_from([np.arange(6, dtype=np.uint8), np.zeros((2, 2)), np.array([1.5], np.float32)])
    return st.builds(lambda a, p: pickle.dumps({b"data": a, b"labels": [1]}, protocol=p),
                     arrays, st.integers(0, 5))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes(data):
    try:
        safe_loads(data, "r.pkl")
    except DataError:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_pickles(), st.data())
def test_mutated_valid_pickles(data, draw):
    """Flip, cut or insert bytes in real NumPy pickles: only a value or DataError may come out."""
    b = bytearray(data)
    for _ in range(draw.draw(st.integers(1, 4))):
        op = draw.draw(st.sampled_from(["flip", "cut", "insert"]))
        i = draw.draw(st.integers(0, max(0, len(b) - 1)))
        if op == "flip" and b:
            b[i] = draw.draw(st.integers(0, 255))
        elif op == "cut":
            del b[i:i + draw.draw(st.integers(1, 8))]
        else:
            b[i:i] = draw.draw(st.binary(min_size=1, max_size=8))
    try:
        safe_loads(bytes(b), "m.pkl")
    except DataError:
        pass


def test_prescan_does_not_execute():
    # A pickle that is valid up to a forbidden global is refused before anything is built.
    ok = pickle.dumps([np.zeros(3)], protocol=2)
    assert any(op.name == "GLOBAL" for op, _, _ in pickletools.genops(ok))
    with pytest.raises(UnsafeFileError):
        safe_loads(ok[:-1] + b"cos\nsystem\n.", "x")
