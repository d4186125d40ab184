"""Saving and loading without pickle: weights in safetensors format, everything else as JSON in its header.

One file per save. The tensors are stored by name (``"0.weight"``; in a checkpoint ``"model.0.weight"``,
``"optimizer.state.0.exp_avg"``, ...) and the safetensors metadata header holds one JSON document under the
key ``"chainrule"``: the format version, what the file is (``"model"``, ``"state_dict"`` or
``"checkpoint"``), the model's architecture when it can be rebuilt (an :class:`~chainrule.nn.MLP`, a
:class:`~chainrule.nn.Linear`, or a class registered with :func:`register_architecture`), your metadata, and
in a checkpoint the optimizer and scheduler state with arrays replaced by tensor references, the ``extra``
dict and the random generator's state.

Reading never runs code. Before any tensor data is read, the header is checked in full: its declared length
against the file size, its JSON (duplicate names refused), every tensor's dtype, shape and byte range, that
the ranges tile the data section exactly (no overlap, gap, overrun or trailing bytes); a file that fails any
check raises :class:`~chainrule.errors.CheckpointError` saying what is wrong. Writes are atomic
(:func:`chainrule._files.atomic_write`): a crash leaves the old file or the new one.

``safetensors`` is an optional dependency: ``pip install chainrule[io]``.
"""
from __future__ import annotations

from .architectures import register_architecture
from .checkpoint import load, load_checkpoint, read_metadata, save, save_checkpoint
from .codec import FORMAT_VERSION

__all__ = ["save", "load", "save_checkpoint", "load_checkpoint", "read_metadata", "register_architecture",
           "FORMAT_VERSION"]
