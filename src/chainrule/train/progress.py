"""What a run shows while it trains: a live bar (tqdm) on a terminal, one line per epoch, a final table.

``mode``: ``"auto"`` shows a bar when tqdm is installed and the stream is a terminal, ``"bar"`` whenever
tqdm is installed, ``"plain"`` only the epoch lines (plus a few step lines per epoch), ``"none"`` no
progress, only the results (the final table and the run folder; ``results=False``: nothing at all). tqdm
is imported only when a bar is shown.
"""
from __future__ import annotations

import sys
import time

import numpy as np


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Shows training progress. ``out`` gets the epoch lines and tables, ``bar_stream`` the live bar."""

    PLAIN_LINES_PER_EPOCH = 4

    def __init__(self, mode: str = "auto", out=None, bar_stream=None, results: bool = True):
        self.out = out if out is not None else sys.stdout
        self.bar_stream = bar_stream if bar_stream is not None else sys.stderr
        self.mode = mode
        self.results = results
        tqdm = _tqdm() if mode in ("auto", "bar") else None
        self._tqdm = tqdm if (tqdm is not None and (mode == "bar" or _isatty(self.bar_stream))) else None
        self._bar = None
        self._total = 0
        self._last_plain = 0.0

    @property
    def quiet(self) -> bool:
        return self.mode == "none"

    def line(self, text: str = "") -> None:
        """Print a line without breaking the bar."""
        if not self.quiet:
            self._print(text)

    def result(self, text: str = "") -> None:
        """Print a result (final table, run folder): in every mode, ``none`` included, unless ``results=False``."""
        if self.results:
            self._print(text)

    def _print(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=self.out)
        else:
            print(text, file=self.out, flush=True)

    def start_epoch(self, epoch: int, epochs: int, total_steps: int, done_steps: int = 0) -> None:
        self._total = total_steps
        self._epoch_label = f"epoch {epoch}/{epochs}"
        self._last_plain = time.perf_counter()
        self._next_plain = done_steps + max(1, total_steps // self.PLAIN_LINES_PER_EPOCH)
        if self._tqdm is not None:
            self._bar = self._tqdm(total=total_steps, initial=done_steps, desc=self._epoch_label, leave=False,
                                   file=self.bar_stream, dynamic_ncols=True, unit="step")

    def update(self, step: int, loss: float, acc: float, lr: float, samples_per_s: float) -> None:
        """After step ``step`` (1-based within the epoch) with running loss and accuracy."""
        if self._bar is not None:
            self._bar.update(step - self._bar.n)
            self._bar.set_postfix_str(f"loss {loss:.4f}  acc {acc:6.2%}  lr {lr:.3g}  {samples_per_s:,.0f} samples/s",
                                      refresh=step >= self._total)
        elif self.mode == "plain" and step >= self._next_plain and step < self._total:
            self._next_plain = step + max(1, self._total // self.PLAIN_LINES_PER_EPOCH)
            self.line(f"  {self._epoch_label} step {step}/{self._total}  loss {loss:.4f}  acc {acc:.2%}  "
                      f"lr {lr:.3g}  {samples_per_s:,.0f} samples/s")

    def end_epoch(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        self.end_epoch()


def fmt(v, digits: int = 4) -> str:
    """A number as the tables print it: integers with thousands separators, floats to ``digits`` significant digits."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if v != v:
            return "nan"
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
            return f"{v:.{max(digits - 1, 1)}e}"
        return f"{v:.{digits}g}"
    return str(v)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))


def _looks_numeric(c: str, column: int) -> bool:
    """Starts like a number: a digit (after the first column, which names its rows) or a minus and a digit."""
    return column > 0 and c[:1].isdigit() or c[:1] == "-" and c[1:2].isdigit()


def format_table(rows, headers, digits: int = 4, numeric_text: bool = True) -> str:
    """A plain-text table with aligned columns. A cell is a string, or a number written by `fmt` (``digits``
    significant digits). Right-aligned: a column of numbers (its header too), and with ``numeric_text``, in a
    column of strings, each string that starts like a number (``1,000``, ``45.00%``, ``-0.5``)."""
    width = len(headers)
    numbers = [all(_is_number(r[i]) for r in rows) for i in range(width)]
    text = [numeric_text and all(isinstance(r[i], str) for r in rows) for i in range(width)]
    cells = [list(map(str, headers))] + [[fmt(c, digits) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(width)]

    def line(r):
        return "  ".join(c.rjust(widths[i]) if numbers[i] or text[i] and _looks_numeric(c, i) else c.ljust(widths[i])
                         for i, c in enumerate(r)).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]])
