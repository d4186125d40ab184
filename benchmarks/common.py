"""Shared helpers: interleaved timing with medians, and plain-text tables."""
from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def blas_threads(torch, n: int):
    """Run the block with ``n`` BLAS threads for NumPy (threadpoolctl) and ``n`` threads for PyTorch."""
    from threadpoolctl import threadpool_limits
    before = torch.get_num_threads() if torch is not None else None
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            if torch is not None:
                torch.set_num_threads(n)
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


def blas_description(torch=None) -> str:
    """Which BLAS each library uses, for the tables' captions (threadpoolctl sees NumPy's)."""
    parts = []
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                parts.append(f"NumPy: {info.get('internal_api')} {info.get('version')} "
                             f"({info.get('architecture')})")
                break
    except ImportError:
        parts.append("NumPy: BLAS unknown (pip install threadpoolctl)")
    if torch is not None:
        config = torch.__config__.show()
        blas = config.split("BLAS_INFO=", 1)[1].split(",", 1)[0] if "BLAS_INFO=" in config else "?"
        cpu = next((line.split(":", 1)[1].strip() for line in config.splitlines() if "CPU capability" in line), "?")
        parts.append(f"PyTorch {torch.__version__.split('+')[0]}: {blas} ({cpu})")
    return "; ".join(parts)


def cpu_name() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else the platform's processor string."""
    import platform
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
