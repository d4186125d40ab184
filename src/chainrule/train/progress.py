"""What a run shows while it trains: a live bar (tqdm) on a terminal, one line per epoch, a final table.

``mode``: ``"auto"`` shows a bar when tqdm is installed and the stream is a terminal, ``"bar"`` whenever
tqdm is installed, ``"plain"`` only the epoch lines (plus a few step lines per epoch), ``"none"`` no
progress, only the results (the final table and the run folder; ``results=False``: nothing at all). tqdm
is imported only when a bar is shown.
"""
from __future__ import annotations

import sys
import time


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


def format_table(rows, headers) -> str:
    """A plain-text table: ``rows`` are lists of cells (already strings), numbers right-aligned."""
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(r):
        out = []
        for i, c in enumerate(r):
            numeric = i > 0 and c[:1].isdigit() or c[:1] == "-" and c[1:2].isdigit()
            out.append(c.rjust(widths[i]) if numeric else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(cells[0]), sep] + [fmt(r) for r in cells[1:]])
