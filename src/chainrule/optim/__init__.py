"""Optimizers and learning-rate schedules, as ``torch.optim``: SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW,
Adamax, NAdam, RAdam and ``lr_scheduler``."""
from . import lr_scheduler  # noqa: F401
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .algorithms import SGD, Adadelta, Adagrad, RMSprop
from .optimizer import Optimizer

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam",
           "lr_scheduler"]
