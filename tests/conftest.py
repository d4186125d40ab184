import numpy as np
import pytest

import chainrule as cr


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with float32 default, grad mode on and a fixed seed."""
    cr.set_default_dtype(np.float32)
    cr.manual_seed(0)
    with cr.enable_grad():
        yield
    cr.set_default_dtype(np.float32)
