"""The one rule for integer and number arguments (chainrule._validate), which every refusal is built on."""
import numpy as np
import pytest

from chainrule._validate import integer, real

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("value, kw, expected", [
    (3, {}, 3), (3.0, {}, 3), (np.int64(3), {}, 3), (np.float32(3), {}, 3), (10**30, {}, 10**30),
    (2.5, {}, None), (True, {}, None), (NAN, {}, None), (INF, {}, None), ("3", {}, None), (None, {}, None),
    ([3], {}, None), (np.array(3), {}, None),
    (3.0, {"floats": False}, None), (np.int64(3), {"floats": False}, None), (3, {"floats": False}, 3),
    (" 3 ", {"text": True}, 3), ("3.0", {"text": True}, 3), ("1e3", {"text": True}, 1000),
    ("2.5", {"text": True}, None), ("x", {"text": True}, None), ("3.0", {"text": True, "floats": False}, None),
])
def test_integer(value, kw, expected):
    got = integer(value, **kw)
    assert got == expected and (got is None or type(got) is int)


@pytest.mark.parametrize("value, kw, expected", [
    (0.5, {}, 0.5), (2, {}, 2.0), (np.float32(0.5), {}, 0.5), (INF, {}, INF),
    (NAN, {}, None), (True, {}, None), ("0.5", {}, None), (None, {}, None), (1j, {}, None), (10**400, {}, None),
    ("0.5", {"text": True}, 0.5), ("inf", {"text": True}, INF), ("nan", {"text": True}, None),
    ("fast", {"text": True}, None),
])
def test_real(value, kw, expected):
    got = real(value, **kw)
    assert got == expected and (got is None or type(got) is float)
