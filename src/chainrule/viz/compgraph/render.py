"""The Graph object and Graphviz: DOT text to SVG/PNG, or a clear message when `dot` is missing."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..._files import atomic_write
from ...errors import ChainruleError
from .model import ValueInfo


#: The program that lays graphs out; a module attribute so tests (or odd installs) can point elsewhere.
DOT_PROGRAM = "dot"


INSTALL_HINT = ("Graphviz's `dot` program was not found: install it with `apt-get install graphviz` "
                "(Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install graphviz`.")


class GraphvizNotFoundError(ChainruleError, RuntimeError):
    """Graphviz's ``dot`` program is needed to render a graph and is not installed."""


class Graph:
    """A drawn computational graph: DOT source plus rendering and Jupyter display.

    ``str(g)`` / ``g.source`` is the Graphviz DOT text; ``g.render("f.svg")`` writes SVG, PNG, PDF or DOT
    (by extension); in Jupyter the object shows itself as SVG. ``g.values`` and ``g.ops`` hold the records
    the picture was made from (names, shapes, values, gradients, gate roles).
    """

    def __init__(self, source: str, values: list, ops: list, root: ValueInfo | None, freed: bool,
                 backward_done: bool):
        self.source = source
        self.values = values
        self.ops = ops
        self.root = root
        self.freed = freed
        self.backward_done = backward_done
        self._svg = None

    def __str__(self):
        return self.source

    def __repr__(self):
        return f"<chainrule.viz.Graph: {len(self.values)} values, {len(self.ops)} ops>"

    def value(self, name: str) -> ValueInfo:
        """The value record with this name (as shown in the picture)."""
        for v in self.values:
            if v.name == name:
                return v
        raise KeyError(f"no value named {name!r} in this graph; names: "
                       f"{sorted(v.name for v in self.values if v.name)}")

    def pipe(self, format: str = "svg") -> bytes:
        """Run ``dot -T<format>`` on the source and return its output."""
        return _run_dot(self.source, format)

    def render(self, path, format: str | None = None) -> Path:
        """Write the graph to ``path``: ``.svg``, ``.png``, ``.pdf`` via Graphviz, ``.dot``/``.gv`` as text."""
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".") or "svg").lower()
        if fmt in ("dot", "gv"):
            data = self.source.encode("utf-8")
        elif fmt in ("svg", "png", "pdf"):
            data = self.pipe(fmt)
        else:
            raise ChainruleError(f"render: unknown format {fmt!r} for {path.name}; "
                                 f"use a .svg, .png, .pdf or .dot file name.")
        with atomic_write(path, "wb") as f:
            f.write(data)
        return path

    def _repr_svg_(self):
        if self._svg is None:
            if not dot_available():
                return None
            self._svg = self.pipe("svg").decode("utf-8")
        return self._svg

    def _repr_mimebundle_(self, include=None, exclude=None):
        svg = self._repr_svg_()
        if svg is None:
            return {"text/plain": self.source + "\n// " + INSTALL_HINT}
        return {"image/svg+xml": svg, "text/plain": repr(self)}


def dot_available() -> bool:
    """True when Graphviz's ``dot`` program can be found."""
    return shutil.which(DOT_PROGRAM) is not None


def _run_dot(source: str, fmt: str) -> bytes:
    exe = shutil.which(DOT_PROGRAM)
    if exe is None:
        raise GraphvizNotFoundError(INSTALL_HINT + " Or write the DOT text with render('graph.dot').")
    try:
        proc = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise ChainruleError("Graphviz took more than 2 minutes to lay the graph out; draw a smaller graph "
                             "or pass collapse=True with a module.") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        raise ChainruleError(f"Graphviz failed to render the graph (exit {proc.returncode}): {msg}")
    return proc.stdout
