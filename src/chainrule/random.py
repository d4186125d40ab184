"""One seeded random generator for everything chainrule draws: initial weights, dropout masks, shuffling."""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed chainrule's generator so initialisation, dropout and shuffling repeat exactly."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: the seed must be a non-negative integer, got {seed!r}.")
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator() -> np.random.Generator:
    """The generator in use (reseeded by :func:`manual_seed`)."""
    return _generator


def get_rng_state() -> dict:
    """The generator's full state, a JSON-serialisable dict (for exact resumption)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by :func:`get_rng_state`; a malformed state is a ValueError and changes nothing."""
    scratch = type(_generator.bit_generator)()
    try:
        scratch.state = state                      # tried on a scratch generator first: a bad state half-applied
    except (TypeError, ValueError, KeyError, OverflowError) as e:      # would silently change the stream
        raise ValueError(f"set_rng_state: not a state of {type(scratch).__name__} ({type(e).__name__}: {e}).") from None
    _generator.bit_generator.state = state
