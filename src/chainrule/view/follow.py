"""Following growing run files: new complete lines of ``metrics.jsonl`` from a byte offset, and status changes.

One `Follower` per event stream watches a few runs: each tick it looks at each file's size (one ``stat``),
reads only the bytes appended since the last offset, and yields what changed. A file that shrank or was
replaced (``--resume`` rewrites it) is read again from the start, sent as a ``reset``.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .scan import FINAL, MAX_METRICS_FILE, METRICS, parse_lines, read_metrics, status

MAX_READ = 4 << 20               # bytes read from one file per tick
PROGRESS = "progress.json"
MAX_PROGRESS = 64 << 10


class Watched:
    """One run being followed: its folder, the offset reached in metrics.jsonl and the file's identity."""

    def __init__(self, run_id: str, folder: Path, offset: int):
        self.id, self.folder, self.offset = run_id, folder, max(0, int(offset))
        self.inode = _inode(folder / METRICS)
        self.status = None
        self.progress_mtime = None


def _inode(path: Path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def new_lines(w: Watched) -> list:
    """The events for what ``w``'s metrics.jsonl gained since ``w.offset`` (and advance the offset)."""
    path = w.folder / METRICS
    try:
        st = os.stat(path)
    except OSError:
        return []
    if not stat.S_ISREG(st.st_mode):             # a FIFO would block the reader forever
        return []
    ident = (st.st_dev, st.st_ino)
    if ident != w.inode or st.st_size < w.offset:          # replaced or truncated: start over
        w.inode = ident
        records, problems, w.offset = read_metrics(path)
        return [{"type": "reset", "run": w.id, "records": records, "offset": w.offset, "problems": problems}]
    if st.st_size == w.offset or w.offset >= MAX_METRICS_FILE:
        return []
    try:
        with open(path, "rb") as f:
            f.seek(w.offset)
            data = f.read(min(st.st_size - w.offset, MAX_READ))
    except OSError:
        return []
    records, problems, used = parse_lines(data)
    if used == 0 and len(data) >= MAX_READ:           # one line longer than a whole read: skip past it
        used = len(data)
    w.offset += used
    if not records and not problems:
        return []
    return [{"type": "records", "run": w.id, "records": records, "offset": w.offset, "problems": problems}]


def progress(w: Watched) -> list:
    """A ``progress`` event when the run's ``progress.json`` (the current epoch's step) changed."""
    from .scan import Broken, read_json
    path = w.folder / PROGRESS
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return []
    if mtime == w.progress_mtime:
        return []
    w.progress_mtime = mtime
    try:
        value = read_json(path, MAX_PROGRESS)
    except Broken:
        return []
    return [{"type": "progress", "run": w.id, "progress": value}]


def status_change(w: Watched) -> list:
    """A ``status`` event with the run's fresh summary when its status changed (running -> finished)."""
    now = status(w.folder, (w.folder / FINAL).is_file())
    if now == w.status:
        return []
    first = w.status is None
    w.status = now
    return [] if first else [{"type": "status", "run": w.id, "status": now}]
