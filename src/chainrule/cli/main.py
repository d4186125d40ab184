"""``chainrule``: the command line. One module per subcommand; this file only wires them together.

A subcommand is a module ``chainrule.cli.<name>`` that defines ``register(subparsers)``: it adds its parser
with ``subparsers.add_parser(...)`` and sets ``func=<callable taking the parsed args, returning an exit
status>`` through ``set_defaults``. Modules named in `SUBCOMMANDS` come first, in that order; any other
module in this package that defines ``register`` is picked up after them, so a new subcommand is one new
file. (``graph.py`` may instead define ``add_graph_command(subparsers)``; see `_register`.)

Errors: a `chainrule.errors.ChainruleError`, an `OSError` on a user's file, running out of memory, a bad
flag or an unknown name ends the command with one line on stderr and exit status 2; anything else is a bug and shows a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings

SUBCOMMANDS = ("train", "eval", "predict", "sweep", "graph", "lecture")
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
_NOT_COMMANDS = {"main", "common", "__main__"}


class UsageError(Exception):
    """A command line that argparse rejected (bad flag, missing argument, invalid choice)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises `UsageError` (one line, exit status 2) instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(f"{message}; see '{self.prog} --help'.")


def _subcommand_modules():
    """The subcommand modules: those in `SUBCOMMANDS` that exist, then any others in this package."""
    from . import __path__ as pkg_path
    present = {m.name for m in pkgutil.iter_modules(pkg_path)}
    names = [n for n in SUBCOMMANDS if n in present]
    names += sorted(n for n in present - set(names) - _NOT_COMMANDS if not n.startswith("_"))
    for name in names:
        yield name, importlib.import_module(f"{__package__}.{name}")


def _register(name, module, subparsers) -> bool:
    """Let ``module`` add its parser; True if it did."""
    for attr in ("register", f"add_{name}_command", "add_command", "add_parser"):
        fn = getattr(module, attr, None)
        if callable(fn):
            before = set(subparsers.choices)
            parser = fn(subparsers)
            added = [subparsers.choices[k] for k in set(subparsers.choices) - before]
            runner = getattr(module, f"run_{name}", None) or getattr(module, "run", None)
            for p in added or ([parser] if isinstance(parser, argparse.ArgumentParser) else []):
                if p.get_default("func") is None and callable(runner):
                    p.set_defaults(func=runner)
            return True
    return False


def build_parser() -> ArgumentParser:
    from .._version import __version__
    parser = ArgumentParser(
        prog="chainrule",
        description="Backpropagation you can read: train, evaluate and inspect small networks (CS231n lecture 4).",
        epilog="Run 'chainrule COMMAND --help' for the options of a command. "
               "'chainrule train' alone trains the lecture's 2-layer net on the spiral data.")
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name, module in _subcommand_modules():
        _register(name, module, sub)
    return parser


def one_line(message: str) -> str:
    """Collapse an error message to one line (multi-line details joined with '; ')."""
    parts = [p.strip() for p in str(message).splitlines() if p.strip()]
    text = "; ".join(parts) if parts else "failed"
    return text


def _os_error_message(e: OSError) -> str:
    what = e.strerror or str(e)
    if e.filename is not None:
        return f"{e.filename}: {what[:1].lower() + what[1:]}."
    return f"{what}."


def main(argv=None) -> int:
    """Run the ``chainrule`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    from ..errors import ChainruleError
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = "chainrule"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        prog = f"chainrule {args.command}" if getattr(args, "command", None) else prog
        if getattr(args, "func", None) is None:
            parser.print_help()
            return 0
        with warnings.catch_warnings():
            warnings.showwarning = _warning_printer(prog)
            status = args.func(args)
        return 0 if status is None else int(status)
    except UsageError as e:
        prog = prog if prog != "chainrule" else _guess_prog(argv)
        return _fail(prog, str(e).replace("see 'chainrule --help'", f"see '{prog} --help'"))
    except ChainruleError as e:                 # some errors have their own advice for the command line
        return _fail(prog, getattr(e, "cli_message", None) or str(e))
    except SystemExit as e:                     # --help, --version
        return e.code if isinstance(e.code, int) else (0 if e.code is None else _fail(prog, str(e.code)))
    except BrokenPipeError:                     # `chainrule ... | head`
        return 0
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
