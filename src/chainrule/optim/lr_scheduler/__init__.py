"""Learning-rate schedules, as ``torch.optim.lr_scheduler`` in PyTorch 2.13: call ``scheduler.step()`` once per
epoch (or per batch for OneCycleLR and CyclicLR), after ``optimizer.step()``.

A schedule writes ``group['lr']`` of each parameter group. Most compute it recursively from the current
``lr``, as PyTorch does, so several schedules on one optimizer chain (ChainedScheduler) and resuming needs
the optimizer's state dict as well as the scheduler's. The modules: :mod:`.base` (LRScheduler), :mod:`.decay`
(step-wise decays), :mod:`.cyclic` (cyclic and one-cycle), :mod:`.composite` (SequentialLR,
ChainedScheduler), :mod:`.plateau` (ReduceLROnPlateau).
"""
from .base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .decay import (ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR,
                    PolynomialLR, StepLR)
from .plateau import ReduceLROnPlateau

__all__ = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
           "SequentialLR", "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
           "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR", "LRScheduler"]
