"""Pieces shared by the subcommands: the training options (from `chainrule.train.config.OPTIONS`) and
reading them back from the parsed arguments."""
from __future__ import annotations

import argparse

from ..train.config import BOOL_OPTIONS, OPTIONS, flag  # noqa: F401  (flag: re-exported for the subcommands)

#: options a subcommand adds itself, or that make no sense on the command line
SKIP = ("extra",)


def add_training_options(parser: argparse.ArgumentParser, only=None, multi: bool = False, helps=None) -> None:
    """Add one flag per training setting; every default is "not given" so a config file can fill it.

    ``only``: the settings to add (default all). ``multi``: values are comma-separated lists (sweep).
    ``helps``: a subcommand's own help line for some settings (``{"model": "..."}``).
    """
    group = parser.add_argument_group("training options (defaults: the recipe for the data set, see docs/cli.md)")
    for key, (parse, metavar, help_) in OPTIONS.items():
        if key in SKIP or (only is not None and key not in only):
            continue
        help_ = (helps or {}).get(key, help_)
        if key in BOOL_OPTIONS:
            group.add_argument(flag(key), dest=key, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=help_)
        else:
            group.add_argument(flag(key), dest=key, metavar=metavar if not multi else f"{metavar}[,...]",
                               default=argparse.SUPPRESS, help=help_ if not multi else help_ + " (comma-separated values)")


def given(args: argparse.Namespace, keys=None) -> dict:
    """The training settings present on the command line (raw strings, parsed later by the config)."""
    keys = OPTIONS if keys is None else keys
    return {k: getattr(args, k) for k in keys if k in OPTIONS and hasattr(args, k)}
