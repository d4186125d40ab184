"""What counts as an integer or a real-number argument, and the refusals built on it (private).

One rule everywhere: a bool is never a number here (``True`` is an ``int`` to Python, never a count or a rate
to a user), NaN is never a real number, and text counts only where the caller reads text (URLs, TOML, flags).
"""
from __future__ import annotations

import numbers

from .errors import ConfigError


def integer(value, *, floats: bool = True, text: bool = False) -> int | None:
    """``value`` as an int when it is a whole number, else None.

    ``floats``: an integral float or NumPy number counts too (``3.0``, ``np.int64(3)``); without it only Python
    ints do. ``text``: a string that reads as such a number counts (``" 3"``; ``"3.0"`` and ``"1e3"`` too).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if not text:
            return None
        try:
            return int(value)
        except ValueError:
            value = real(value, text=True)
    if not floats or not isinstance(value, numbers.Real):
        return None
    try:
        n = int(value)
    except (ValueError, OverflowError):         # NaN, infinities
        return None
    return n if n == value else None


def real(value, *, text: bool = False) -> float | None:
    """``value`` as a float when it is a real number other than NaN (infinities count), else None.

    ``text``: a string that reads as a number counts (``"0.1"``, ``"inf"``).
    """
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) or text and isinstance(value, str)):
        return None
    try:
        f = float(value)
    except (ValueError, OverflowError):         # text that is not a number, an int beyond float's range
        return None
    return None if f != f else f


def check_number(name: str, value, low=None, high=None, low_open=False, high_open=False, owner="optimizer"):
    """Raise :class:`ConfigError` unless ``value`` is a real number in the interval (bounds as given)."""
    if real(value) is None:
        raise ConfigError(f"{owner}: {name} must be a number, got {value!r}.")
    if value in (float("inf"), float("-inf")):
        raise ConfigError(f"{owner}: {name} must be a finite number, got {value!r}.")
    ok = True
    if low is not None:
        ok &= value > low if low_open else value >= low
    if high is not None:
        ok &= value < high if high_open else value <= high
    if not ok:
        lo = "-inf" if low is None else f"{low}"
        hi = "inf" if high is None else f"{high}"
        interval = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
        raise ConfigError(f"{owner}: invalid {name} {value!r}; it must be in {interval}.")


def check_int(name: str, value, low: int, owner: str) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a Python int >= ``low``."""
    if integer(value, floats=False) is None or value < low:
        raise ConfigError(f"{owner}: {name} must be an integer >= {low}, got {value!r}.")
