"""Write every command's printed figures and tables into the docs, so the docs say what the commands print.

A block in a doc is the output of the command named in its marker::

    <!-- begin: chainrule lecture activations -->
    ```text
    $ chainrule lecture activations
    ...what it prints...
    ```
    <!-- end -->

Run from the repository root:

    python scripts/update_docs.py            # run every block's command and rewrite the blocks
    python scripts/update_docs.py --check    # exit 1 if a block differs from what its command prints now
    python scripts/update_docs.py --fast     # leave the blocks marked "(slow)" alone

A marker ending in ``(slow)`` names a command too long for the test suite (tests/docs runs the others).
Blocks under docs/vi/ print numbers the Vietnamese way (decimal comma, thousands dot). Wall-clock times
(and, per command, the figures measured with a clock or a memory tracer) vary from run to run: they are
written as measured, and `comparable` masks them when checking. The lecture's blocks come from training
runs, whose float32 rounding depends on the BLAS kernels the CPU gets (OpenBLAS picks Haswell kernels on an
AVX2 machine, SkylakeX on AVX-512, and a trained figure can move in its last digits); docs/figures-kernels.txt
records the kernels they were made with, and a check on other kernels leaves those blocks out and says so.
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("docs/lecture.md", "docs/vi/lecture.md", "docs/cli.md", "docs/results.md")
BLOCK = re.compile(r"<!-- begin: (?P<marker>[^\n]+?) -->\n(?P<body>.*?)<!-- end -->", re.S)
SLOW = " (slow)"
#: per command: header names of table columns, and words of lines, whose figures are measured with a clock
#: or a memory tracer (they differ from run to run and machine to machine)
VARYING = {
    "chainrule lecture why-backprop": (("numerical s", "backprop s", "ratio"), ("time grew", "forward pass of")),
    "chainrule lecture jacobian": ((), ("measured peak", "the Jacobian is")),
}
_TIME = re.compile(r"(?:\d[\d.,]*\s?(?:s|ms|us|µs)\b|\d[\d.,]*\s(?:minutes?|hours?|seconds?)\b)")
_NUMBER = re.compile(r"\d[\d.,]*(?:e[-+]?\d+)?")


def blocks(text: str):
    """``(marker, body, span)`` for every block of a doc."""
    return [(m.group("marker"), m.group("body"), m.span()) for m in BLOCK.finditer(text)]


def command_of(marker: str) -> str:
    return marker[:-len(SLOW)] if marker.endswith(SLOW) else marker


def run_command(command: str, timeout: float = 3600) -> str:
    """What ``command`` (``chainrule ...``) prints, run in a fresh folder; the final ``(12.3 s)`` line dropped."""
    argv = shlex.split(command)
    if argv[0] != "chainrule":
        raise ValueError(f"a block's command must start with chainrule: {command!r}")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               COLUMNS="120")
    with tempfile.TemporaryDirectory() as cwd:
        p = subprocess.run([sys.executable, "-m", "chainrule.cli", *argv[1:]], cwd=cwd, env=env, text=True,
                           capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{command} failed with status {p.returncode}:\n{p.stderr[-3000:]}")
    lines = [line.rstrip() for line in p.stdout.rstrip().splitlines()]
    if lines and re.fullmatch(r"\(\d+(\.\d+)? s\)", lines[-1]):
        lines.pop()
    return "\n".join(lines)


def vietnamese(text: str) -> str:
    """Numbers the Vietnamese way: ``0.7753`` -> ``0,7753``, ``10,703`` -> ``10.703``; section numbers
    (``section 1.1-1.2``), names and versions are left alone."""
    def convert(m):
        before = text[max(0, m.start() - 12):m.start()]
        if re.search(r"sections? $|\d-$|[\w.]$", before) or re.match(r"\.\d", text[m.end():m.end() + 2]):
            return m.group(0)
        return m.group(0).replace(",", "\0").replace(".", ",").replace("\0", ".")
    return re.sub(r"\d+(?:,\d{3})+(?:\.\d+)?(?:e[-+]\d+)?|\d+\.\d+(?:e[-+]\d+)?", convert, text)


def render(command: str, output: str, vi: bool) -> str:
    if vi:
        output = vietnamese(output)
    return f"```text\n$ {command}\n{output}\n```\n"


def _mask_columns(lines, headers):
    """Replace the cells of the named columns of plain-text tables (a header line over a dashes line) by ``#``."""
    out = list(lines)
    for i in range(1, len(lines)):
        if not re.fullmatch(r"-+(  -+)*", lines[i]):
            continue
        spans = [m.span() for m in re.finditer(r"-+", lines[i])]
        masked = [(a, b) for a, b in spans if lines[i - 1][a:b].strip() in headers]
        j = i + 1
        while j < len(lines) and lines[j].strip():
            row = list(out[j].ljust(len(lines[i])))
            for a, b in masked:
                row[a:b] = "#" * (b - a)
            out[j] = "".join(row).rstrip()
            j += 1
    return out


def comparable(text: str, command: str) -> str:
    """``text`` with what varies from run to run masked: wall-clock times and the command's `VARYING` figures."""
    headers, words = VARYING.get(command, ((), ()))
    lines = _mask_columns(text.splitlines(), headers)
    lines = [_NUMBER.sub("#", line) if any(w in line for w in words) else line for line in lines]
    lines = [_TIME.sub("# s", line) for line in lines]
    # a wider time can widen its table column: compare cells, not alignment
    return "\n".join("-" if re.fullmatch(r"[- ]+", line) else re.sub(r" {2,}", "  ", line.strip()) for line in lines)


KERNELS_FILE = ROOT / "docs" / "figures-kernels.txt"
TRAINED = "chainrule lecture"       # blocks of training runs: their figures carry the BLAS kernels' rounding


def blas_kernels() -> str:
    """NumPy's BLAS and the CPU kernels it uses here, e.g. ``openblas Haswell``."""
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl then sees)
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    found = [f"{i['internal_api']} {i.get('architecture', '')}".strip() for i in threadpool_info()
             if i.get("user_api") == "blas"]
    return ", ".join(found) or "unknown"


def update(paths=DOCS, check: bool = False, fast: bool = False, skip=(), log=print) -> list:
    """Regenerate (or, with ``check``, compare) the blocks of ``paths``, except those of the commands in
    ``skip``; returns the stale ``(path, marker, diff)``."""
    outputs, stale = {}, []
    recorded = KERNELS_FILE.read_text().strip() if KERNELS_FILE.exists() else None
    here = blas_kernels()
    other_kernels = check and recorded is not None and recorded != here
    if other_kernels:
        log(f"the lecture blocks were made with {recorded}, this machine has {here}: not comparing them")
    for rel in paths:
        path = ROOT / rel
        text = path.read_text()
        vi = "/vi/" in f"/{rel}"
        pieces, last = [], 0
        for marker, body, (start, end) in blocks(text):
            command = command_of(marker)
            if (fast and marker.endswith(SLOW)) or command in skip or (other_kernels and command.startswith(TRAINED)):
                continue
            if command not in outputs:
                log(f"running {command}")
                outputs[command] = run_command(command)
            fresh = render(command, outputs[command], vi)
            if comparable(fresh, command) != comparable(body, command):
                diff = difflib.unified_diff(comparable(body, command).splitlines(),
                                            comparable(fresh, command).splitlines(), "doc", "now", lineterm="", n=0)
                stale.append((rel, marker, "\n".join(diff)))
            pieces += [text[last:start], f"<!-- begin: {marker} -->\n{fresh}<!-- end -->"]
            last = end
        new = "".join(pieces) + text[last:]
        if not check and new != text:
            path.write_text(new)
            log(f"wrote {rel}")
    if not check:
        KERNELS_FILE.write_text(here + "\n")
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a block is stale")
    parser.add_argument("--fast", action="store_true", help="skip the blocks marked (slow)")
    parser.add_argument("docs", nargs="*", help=f"docs to update (default: {', '.join(DOCS)})")
    args = parser.parse_args(argv)
    stale = update(args.docs or DOCS, check=args.check, fast=args.fast)
    for rel, marker, diff in stale:
        print(f"{'stale' if args.check else 'updated'}: {rel}: {marker}")
        if args.check:
            print(diff)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
