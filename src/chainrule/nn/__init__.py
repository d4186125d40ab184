"""Neural-network building blocks, as ``torch.nn``: modules, layers, normalization, activations, losses, init,
regularization.

``chainrule.nn.functional`` (``F``) holds the functional forms; ``chainrule.nn.init`` the initialisers;
``chainrule.nn.utils`` gradient clipping.
"""
from . import functional, init, utils  # noqa: F401
from .activations import (ACTIVATIONS, ELU, GELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU,
                          ReLU6, Sigmoid, SiLU, Softmax, Softplus, Tanh, activation_by_name)
from .layers import Dropout, Embedding, Flatten, Identity, Linear, Unflatten
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss,
                     MultiMarginLoss, NLLLoss, SmoothL1Loss)
from .mlp import MLP
from .container import ModuleList, Sequential
from .module import Module, RemovableHandle
from .normalization import BatchNorm1d, LayerNorm
from .parameter import Parameter
from .regularization import l2_penalty, regularized_parameters

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Sequential", "ModuleList", "RemovableHandle",
    "Linear", "Embedding", "Flatten", "Unflatten", "Identity", "Dropout", "BatchNorm1d", "LayerNorm", "MLP",
    "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax",
    "LogSigmoid", "Hardtanh", "ReLU6", "Mish", "PReLU", "ACTIVATIONS", "activation_by_name",
    "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss", "BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss",
    "SmoothL1Loss", "HuberLoss", "KLDivLoss",
    "l2_penalty", "regularized_parameters",
]
