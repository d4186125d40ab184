"""Neural-network building blocks, as ``torch.nn``: modules, layers, activations, losses, init, regularization.

``chainrule.nn.functional`` (``F``) holds the functional forms; ``chainrule.nn.init`` the initialisers;
``chainrule.nn.utils`` gradient clipping.
"""
from . import functional, init, utils  # noqa: F401
from .activations import (ACTIVATIONS, ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus,
                          Tanh, activation_by_name)
from .layers import Dropout, Flatten, Identity, Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, MultiMarginLoss, NLLLoss
from .mlp import MLP
from .module import Module, ModuleList, RemovableHandle, Sequential
from .parameter import Parameter
from .regularization import l2_penalty, regularized_parameters

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Sequential", "ModuleList", "RemovableHandle",
    "Linear", "Flatten", "Identity", "Dropout", "MLP",
    "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax",
    "ACTIVATIONS", "activation_by_name",
    "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss", "BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss",
    "l2_penalty", "regularized_parameters",
]
