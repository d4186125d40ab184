import os
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

# Real data sets (CIFAR-10) are found where users point chainrule, $CHAINRULE_DATA: a checkout with a shared/data
# folder beside it (as on CI) points it there, for this process and the kernels and commands it starts.
_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not os.environ.get("CHAINRULE_DATA") and _SHARED_DATA.is_dir():
    os.environ["CHAINRULE_DATA"] = str(_SHARED_DATA)


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with float32 default, grad mode on and a fixed seed."""
    cr.set_default_dtype(np.float32)
    cr.manual_seed(0)
    with cr.enable_grad():
        yield
    cr.set_default_dtype(np.float32)
