"""Neural-network building blocks. ``chainrule.nn.functional`` holds the functional forms."""
from . import functional  # noqa: F401

__all__ = ["functional"]
