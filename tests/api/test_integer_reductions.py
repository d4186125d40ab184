"""Every reduction of the conformance table on int64, int32 and bool inputs, against torch: the result's
dtype (an integer median stays an integer, an integer sum is int64), its values, or the class of the error
torch raises (``mean`` and ``norm`` of integers, ``median`` and ``argmax`` of booleans)."""
import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance_table import ENTRIES as TABLE  # noqa: E402  (tests/api is on the path)
from conformance_everyday import ENTRIES as EVERYDAY  # noqa: E402
from test_conformance import check  # noqa: E402

pytest.importorskip("torch")

REDUCTIONS = {"sum", "mean", "amax", "amin", "prod", "logsumexp", "var", "std", "var_mean", "max", "min",
              "argmax", "argmin", "median", "cumsum", "cumprod", "norm", "sort", "argsort", "topk", "softmax",
              "log_softmax", "trace", "diff", "any", "all"}
ENTRIES = [dataclasses.replace(e, grad=False) for e in TABLE + EVERYDAY
           if e.name.removeprefix("Tensor.") in REDUCTIONS]
# torch checks these dtypes in the kernel, which an empty input never reaches (softmax of an empty int64 tensor
# is an empty int64 tensor, the median of an empty bool tensor True); chainrule refuses them at any size
KERNEL_CHECKED = {"softmax", "log_softmax", "median"}
DTYPES = {"int64": st.integers(-4, 4), "int32": st.integers(-4, 4), "bool": st.booleans()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_integer_and_bool_inputs(entry, dtype, data):
    shape = data.draw(hnp.array_shapes(min_dims=entry.min_dims, max_dims=entry.max_dims, min_side=0, max_side=4))
    unique = entry.domain == "distinct" and dtype != "bool"      # no ties: the indices of sort, median, topk
    if unique:
        shape = data.draw(hnp.array_shapes(min_dims=entry.min_dims, max_dims=entry.max_dims, min_side=0,
                                           max_side=2).filter(lambda s: np.prod(s) <= 9))
    x = data.draw(hnp.arrays(np.dtype(dtype), shape, elements=DTYPES[dtype], unique=unique))
    assume(x.size or entry.name.removeprefix("Tensor.") not in KERNEL_CHECKED)
    forms = entry.forms(data.draw, [x]) if entry.forms else [((), {})]
    for args, kw in forms:
        check(entry, [x], args, kw)
