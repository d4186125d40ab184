"""Optimizers and learning-rate schedules, as ``torch.optim``: SGD, RMSprop, Adam, AdamW and ``lr_scheduler``."""
from . import lr_scheduler  # noqa: F401
from .algorithms import SGD, Adam, AdamW, RMSprop
from .optimizer import Optimizer

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
