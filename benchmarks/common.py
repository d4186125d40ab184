"""Shared helpers: interleaved timing with medians, and plain-text tables."""
from __future__ import annotations

import statistics
import time


def interleaved(fns: dict, repeats: int, warmup: int = 3) -> dict:
    """Median seconds per call of each function, run round-robin so machine noise hits all alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def median_seconds(fn, repeats: int, warmup: int = 3) -> float:
    """Median seconds per call of ``fn`` run alone, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def separate(fns: dict, repeats: int, warmup: int = 3) -> dict:
    """Median seconds per call of each function, each run alone in its own block (caches stay warm for it)."""
    return {name: median_seconds(fn, repeats, warmup) for name, fn in fns.items()}


def table(title: str, header: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured Markdown table, so the output pastes straight into docs/performance.md."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    out = [f"\n### {title}\n", line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def try_import_torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch
