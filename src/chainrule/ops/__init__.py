"""The derivative table. Importing this package registers every primitive in :data:`OPS`.

Modules by kind: ``elementwise`` (gates and activations), ``reduce``, ``shape``, ``linalg``, ``fused``
(hand-fused neural-network kernels), ``indexing``. ``registry`` holds the table itself.
"""
from . import elementwise, fused, gamma, indexing, linalg, reduce, shape  # noqa: F401  (registers the ops)
from .registry import OPS, Op, defop, raw

__all__ = ["OPS", "Op", "defop", "raw", "elementwise", "reduce", "shape", "linalg", "fused", "indexing"]
