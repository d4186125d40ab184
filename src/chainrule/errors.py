"""The exception types chainrule raises for bad input, so callers (and the CLI) can tell them from bugs."""


class ChainruleError(Exception):
    """Base class: an expected error with a one-sentence message saying what is wrong and how to fix it."""


class ShapeError(ChainruleError, ValueError, RuntimeError):
    """Operands whose shapes do not fit the operation (a RuntimeError too, as PyTorch raises)."""


class DtypeError(ChainruleError, TypeError, RuntimeError):
    """Operands whose dtypes must match but do not (mm, dot, ...); a RuntimeError too, as PyTorch raises."""


class AxisError(ShapeError, IndexError):
    """An axis (dim) out of range for the tensor; an IndexError too, as in PyTorch."""


class IndexRangeError(ChainruleError, IndexError, RuntimeError):
    """An index value outside its dimension (gather, scatter, one_hot); a RuntimeError too, as in PyTorch."""


class DtypeError(ChainruleError, TypeError, NotImplementedError):
    """An op not defined for its operands' dtypes, or a result that cannot be written into a tensor's dtype
    (``int_tensor += 2.5``); a RuntimeError (NotImplementedError) as PyTorch raises, and a TypeError."""


class ArgumentError(ChainruleError, ValueError, RuntimeError):
    """An argument value out of its range (a probability above 1, a step of 0); a RuntimeError too, as in
    PyTorch."""


class DataError(ChainruleError, ValueError):
    """A data file or folder that is missing, truncated, corrupt or in an unknown layout."""


class UnsafeFileError(DataError):
    """A file that tries to do something a data file must not (run code, escape its folder)."""


class CheckpointError(ChainruleError, ValueError):
    """A checkpoint that cannot be read or does not match the model it is loaded into."""


class ConfigError(ChainruleError, ValueError):
    """An option or configuration value that is out of range or unknown."""


class MissingDependencyError(ChainruleError, ImportError):
    """An optional package that this feature needs is not installed (the message says which extra to install)."""


class DeviceError(ChainruleError, RuntimeError, AssertionError):
    """A device other than the CPU was asked for (chainrule computes with NumPy on the CPU); an AssertionError
    too, as a PyTorch built without CUDA raises."""


# ---------------------------------------------------------------- how an error ends a command-line program
#: exit statuses of the ``chainrule`` command (and of `chainrule.distributed.command` under MPI)
EXIT_OK = 0
EXIT_INCOMPLETE = 1          # done another way than asked (``chainrule graph`` without Graphviz: the DOT text)
EXIT_BUG = 1                 # an unexpected exception (Python's own status for a traceback)
EXIT_ERROR = 2               # an expected error: a ChainruleError, an OSError on a user's file, a bad flag
EXIT_INTERRUPTED = 130       # Ctrl-C (128 + SIGINT)


def one_line(message) -> str:
    """An error message as one line (multi-line details joined with '; ')."""
    parts = [p.strip() for p in str(message).splitlines() if p.strip()]
    return "; ".join(parts) if parts else "failed"
