"""``set_printoptions``: how many digits and values a tensor's ``repr`` shows, as PyTorch's
``torch.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)``.

chainrule's defaults are shorter than PyTorch's (20 values before eliding, 2 at each edge; PyTorch: 1000
and 3), so a tensor in a lecture cell stays on a few lines; ``profile='default'`` restores them.
"""
from __future__ import annotations

import numpy as np

__all__ = ["set_printoptions"]

_DEFAULTS = {"precision": 4, "threshold": 20, "edgeitems": 2, "linewidth": 75, "sci_mode": None}
_PROFILES = {"default": _DEFAULTS, "short": {**_DEFAULTS, "precision": 2},
             "full": {**_DEFAULTS, "threshold": np.inf}}
_options = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Digits after the point (``precision``), the number of values above which the middle is elided
    (``threshold``) and the values kept at each edge then (``edgeitems``), the line width, and
    ``sci_mode``: True always scientific, False never, None as the values need. ``profile`` ('default',
    'short', 'full') first sets all of them; arguments left None keep their value."""
    if profile is not None:
        _options.update(_PROFILES.get(profile, _DEFAULTS))
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    _options.update({k: v for k, v in given.items() if v is not None})
    _options["sci_mode"] = sci_mode


def format_values(array, prefix: str) -> str:
    """The values of ``array`` as the ``repr`` of a tensor shows them, after the current print options."""
    precision, sci = int(_options["precision"]), _options["sci_mode"]
    formatter = {"float_kind": lambda v: np.format_float_scientific(v, precision, unique=False)} if sci else None
    return np.array2string(array, separator=", ", precision=precision, threshold=_options["threshold"],
                           edgeitems=int(_options["edgeitems"]), max_line_width=int(_options["linewidth"]),
                           suppress_small=sci is False, formatter=formatter, prefix=prefix)
