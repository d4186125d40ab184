"""``chainrule``: the command line. One module per subcommand; this file only wires them together.

A subcommand is a module ``chainrule.cli.<name>`` that defines ``register(subparsers)``: it adds its parser
with ``subparsers.add_parser(...)`` and sets ``func=<callable taking the parsed args, returning an exit
status>`` through ``set_defaults``. Modules named in `SUBCOMMANDS` come first, in that order; any other
module in this package that defines ``register`` is picked up after them, so a new subcommand is one new
file. Modules without ``register`` (common.py, local_page.py, ...) are helpers.

Errors: a `chainrule.errors.ChainruleError`, an `OSError` on a user's file, running out of memory, a bad
flag or an unknown name ends the command with one line on stderr and exit status ``EXIT_ERROR`` (2); Ctrl-C
with ``EXIT_INTERRUPTED`` (130); anything else is a bug and shows a traceback. The statuses are defined in
`chainrule.errors`, which `chainrule.distributed.command` (one rank prints under MPI) shares.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings

from ..errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, ChainruleError, one_line

SUBCOMMANDS = ("train", "eval", "predict", "sweep", "graph", "lecture")


class UsageError(Exception):
    """A command line that argparse rejected (bad flag, missing argument, invalid choice)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises `UsageError` (one line, exit status 2) instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(f"{message}; see '{self.prog} --help'.")


def _subcommand_modules():
    """The subcommand modules (those with ``register``): `SUBCOMMANDS` in order, then the others in this package."""
    from . import __path__ as pkg_path
    present = {m.name for m in pkgutil.iter_modules(pkg_path)}
    names = [n for n in SUBCOMMANDS if n in present]
    names += sorted(n for n in present - set(names) - {"main", "__main__"} if not n.startswith("_"))
    for name in names:
        module = importlib.import_module(f"{__package__}.{name}")
        if callable(getattr(module, "register", None)):
            yield module


def build_parser() -> ArgumentParser:
    from .._version import __version__
    parser = ArgumentParser(
        prog="chainrule",
        description="Backpropagation you can read: train, evaluate and inspect small networks (CS231n lecture 4).",
        epilog="Run 'chainrule COMMAND --help' for the options of a command. "
               "'chainrule train' alone trains the lecture's 2-layer net on the spiral data.")
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for module in _subcommand_modules():
        module.register(sub)
    return parser


def _os_error_message(e: OSError) -> str:
    what = e.strerror or str(e)
    if e.filename is not None:
        return f"{e.filename}: {what[:1].lower() + what[1:]}."
    return f"{what}."


def main(argv=None) -> int:
    """Run the ``chainrule`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = "chainrule"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        prog = f"chainrule {args.command}" if getattr(args, "command", None) else prog
        if getattr(args, "func", None) is None:
            parser.print_help()
            return EXIT_OK
        with warnings.catch_warnings():
            warnings.showwarning = _warning_printer(prog)
            status = args.func(args)
        return EXIT_OK if status is None else int(status)
    except UsageError as e:
        prog = prog if prog != "chainrule" else _guess_prog(argv)
        return _fail(prog, str(e).replace("see 'chainrule --help'", f"see '{prog} --help'"))
    except ChainruleError as e:                 # some errors have their own advice for the command line
        return _fail(prog, getattr(e, "cli_message", None) or str(e))
    except SystemExit as e:                     # --help, --version
        return e.code if isinstance(e.code, int) else (EXIT_OK if e.code is None else _fail(prog, str(e.code)))
    except BrokenPipeError:                     # `chainrule ... | head`
        return EXIT_OK
    except OSError as e:
        return _fail(prog, _os_error_message(e))
    except MemoryError as e:
        return _fail(prog, f"out of memory ({str(e).rstrip('.') or 'MemoryError'}); use a smaller model, batch "
                           f"size or data set.")
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED


def _warning_printer(prog: str):
    """Warnings as one line each, ``chainrule train: warning: ...`` (not Python's file:line two-liner)."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{prog}: warning: {one_line(str(message))}", file=file or sys.stderr, flush=True)
    return show


def _guess_prog(argv) -> str:
    first = next((a for a in argv if not a.startswith("-")), None)
    return f"chainrule {first}" if first in SUBCOMMANDS else "chainrule"


def _fail(prog: str, message: str) -> int:
    text = one_line(message)
    if text.startswith(prog.split()[-1] + ": "):
        text = text[len(prog.split()[-1]) + 2:]
    print(f"{prog}: error: {text}", file=sys.stderr, flush=True)
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
