"""Finding run folders and reading them safely: bounded sizes, JSON only, a broken file makes a broken run.

A run folder is a folder holding ``config.json`` or ``metrics.jsonl`` (see `chainrule.train.runs`); a sweep
folder is one holding ``sweep.json`` (``chainrule sweep``), its runs inside it. Nothing read here is ever
executed or unpickled: every file is parsed as JSON (or JSON lines) after a size check, nested at most
`MAX_JSON_DEPTH` deep, and any problem becomes a ``problems`` entry of the run rather than an exception.

Status: ``running`` while ``.lock`` names a live process (the trainer removes the lock when it stops),
``finished`` when ``final.json`` is there, ``interrupted`` otherwise (killed, stopped by Ctrl-C, or a lock
left by a dead process).
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from .._bounded import MAX_JSON_DEPTH, TooDeep, check_structure

CONFIG, METRICS, FINAL, LOCK, SWEEP = "config.json", "metrics.jsonl", "final.json", ".lock", "sweep.json"
MAX_JSON_FILE = 4 << 20          # config.json, final.json, sweep.json
MAX_METRICS_FILE = 64 << 20      # metrics.jsonl read at most this far (about 100,000 epochs of records)
MAX_LINE = 1 << 20               # one metrics line
MAX_RECORDS = 100_000
MAX_DEPTH = 4                    # folders below a given root searched for runs
MAX_RUNS = 2000
MAX_FOLDERS = 20_000             # folders looked at in one scan
PICTURES = ("curves.png", "templates.png", "confusion.png", "misclassified.png", "decision_boundary.png",
            "dead_relu.png", "decision_boundaries.png")
MAX_PICTURE = 8 << 20


class Broken(ValueError):
    """A file of a run folder that cannot be read as what it should be (the message says why)."""


def parse_json(text: str, where: str):
    """``text`` parsed as JSON nested at most `MAX_JSON_DEPTH` deep, else `Broken`."""
    try:
        value = json.loads(text)
        check_structure(value, MAX_JSON_DEPTH)
    except (ValueError, RecursionError, TooDeep) as e:
        raise Broken(f"{where} is not valid JSON ({str(e)[:120]})") from None
    return value


def read_json(path: Path, limit: int | None = None) -> dict:
    """A JSON object file of at most ``limit`` bytes (default `MAX_JSON_FILE`; `Broken` otherwise); symbolic
    links are not followed."""
    limit = MAX_JSON_FILE if limit is None else limit
    try:
        if path.is_symlink():
            raise Broken(f"{path.name} is a symbolic link")
        if not path.is_file():                     # a FIFO would block the reader forever
            raise Broken(f"{path.name} is not a regular file")
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise Broken(f"{path.name} cannot be read ({e.strerror or e})") from None
    if len(data) > limit:
        raise Broken(f"{path.name} is larger than {limit:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Broken(f"{path.name} is not UTF-8 text") from None
    value = parse_json(text, path.name)
    if not isinstance(value, dict):
        raise Broken(f"{path.name} does not hold a JSON object")
    return value


def parse_lines(data: bytes, where: str = METRICS):
    """Complete JSON-object lines of ``data`` -> ``(records, problems, used)``: ``used`` is the number of bytes
    consumed (up to the last newline; a line still being written waits for its newline)."""
    records, problems = [], []
    end = data.rfind(b"\n") + 1
    for i, line in enumerate(data[:end].split(b"\n")[:-1]):
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            problems.append(f"{where}: a line is longer than {MAX_LINE:,} bytes (skipped)")
            continue
        try:
            value = parse_json(line.decode("utf-8", "strict"), where)
        except (Broken, UnicodeDecodeError) as e:
            problems.append(f"{where}: a line is not a JSON record ({str(e)[:100]}; skipped)")
            continue
        if not isinstance(value, dict):
            problems.append(f"{where}: a line is not a JSON object (skipped)")
            continue
        if len(records) < MAX_RECORDS:
            records.append(value)
    return records, problems[:20], end


def read_metrics(path: Path):
    """``(records, problems, offset)`` of a metrics.jsonl file: at most `MAX_METRICS_FILE` bytes are read."""
    if not path.is_file() or path.is_symlink():
        return [], [], 0
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_METRICS_FILE + 1)
    except OSError as e:
        return [], [f"{METRICS} cannot be read ({e.strerror or e})"], 0
    problems = []
    if len(data) > MAX_METRICS_FILE:
        data = data[:MAX_METRICS_FILE]
        problems.append(f"{METRICS} is larger than {MAX_METRICS_FILE:,} bytes; only its start is shown")
    records, bad, used = parse_lines(data)
    return records, problems + bad, used


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # a process of another user holds it
        return True
    except OSError:
        return False
    return True


def status(folder: Path, final_ok: bool) -> str:
    """``running``, ``finished`` or ``interrupted`` (see the module docstring)."""
    lock = folder / LOCK
    try:
        if lock.is_file() and not lock.is_symlink():
            with open(lock, "rb") as f:
                text = f.read(32).decode("ascii", "replace").strip()
            if text.isdigit() and pid_alive(int(text)):
                return "running"
    except OSError:
        pass
    return "finished" if final_ok else "interrupted"


def _number(x):
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def _text(x, n=200):
    return x[:n] if isinstance(x, str) else None


def _split_acc(final, split):
    part = final.get(split)
    return _number(part.get("acc")) if isinstance(part, dict) else None


def _model(config: dict) -> str | None:
    model = config.get("model")
    if model == "linear":
        return "linear classifier"
    hidden = config.get("hidden")
    if model == "mlp" and isinstance(hidden, list) and all(isinstance(h, int) for h in hidden):
        act = _text(config.get("activation"), 20) or "relu"
        return f"{len(hidden) + 1}-layer net ({','.join(map(str, hidden))} hidden, {act})"
    return _text(model)


def summarize(folder: Path, records=None, problems=None) -> dict:
    """The run list's row for ``folder``: name, data set, model, status, accuracies, duration, version, and
    ``problems`` (empty for a healthy run). Never raises for what is in the folder."""
    problems = list(problems or [])
    config, final = {}, None
    if (folder / CONFIG).exists():
        try:
            config = read_json(folder / CONFIG)
        except Broken as e:
            problems.append(str(e))
    else:
        problems.append(f"{CONFIG} is missing")
    if (folder / FINAL).exists():
        try:
            final = read_json(folder / FINAL)
        except Broken as e:
            problems.append(str(e))
    if records is None:
        records, bad, _ = read_metrics(folder / METRICS)
        problems += bad
    final_ok = final is not None and "epochs" in final
    final = final or {}
    vals = [v for v in (_number(r.get("val_acc")) for r in records) if v is not None]
    last = records[-1] if records else {}
    epochs = _number(config.get("epochs")) or _number(final.get("epochs"))
    version = _text(final.get("chainrule_version"), 40) or _text(config.get("chainrule_version"), 40)
    return {"name": folder.name, "dataset": _text(final.get("dataset")) or _text(config.get("dataset")),
            "model": _text(final.get("model")) or _model(config),
            "status": status(folder, final_ok),
            "epoch": _number(last.get("epoch")), "epochs": epochs,
            "best_val_acc": max(vals) if vals else _split_acc(final, "val"),
            "test_acc": _split_acc(final, "test"),
            "duration_s": _number(final.get("wall_s")) or _number(final.get("train_time_s"))
            or _number(last.get("elapsed_s")),
            "version": version, "has_final": final_ok, "problems": problems[:20], "broken": bool(problems)}


def stamp(folder: Path) -> tuple:
    """What `summarize` depends on, as (size, mtime, inode) of each file it reads: equal stamps, equal rows
    (but for the liveness of the lock's process, which `status` checks again)."""
    out = []
    for name in (CONFIG, METRICS, FINAL, LOCK):
        try:
            st = os.lstat(folder / name)
            out.append((st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            out.append(None)
    return tuple(out)


def find_runs(roots) -> tuple[list, list]:
    """``(runs, sweeps)`` under the folders ``roots``: each run ``(root_index, relative path, Path)`` and each
    sweep folder likewise; at most `MAX_DEPTH` levels down, `MAX_RUNS` runs, no symbolic links followed."""
    runs, sweeps, looked = [], [], 0
    for i, root in enumerate(roots):
        root = Path(root)
        stack = [(root, 0)]
        while stack and len(runs) < MAX_RUNS and looked < MAX_FOLDERS:
            folder, depth = stack.pop()
            looked += 1
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            rel = folder.relative_to(root).as_posix()
            if SWEEP in names:
                sweeps.append((i, rel, folder))
            if CONFIG in names or METRICS in names:
                runs.append((i, rel, folder))
                continue
            if depth >= MAX_DEPTH:
                continue
            for name in reversed(names):
                p = folder / name
                if not name.startswith(".") and not p.is_symlink() and p.is_dir():
                    stack.append((p, depth + 1))
    runs.sort(key=lambda r: (r[0], r[1]))
    sweeps.sort(key=lambda r: (r[0], r[1]))
    return runs, sweeps


def pictures(folder: Path) -> list:
    """The names of the run's pictures (from `PICTURES`) that are there as plain files."""
    out = []
    for name in PICTURES:
        p = folder / name
        if p.is_file() and not p.is_symlink():
            out.append(name)
    return out
