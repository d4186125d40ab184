"""Draw the computational graph behind a tensor, the way lecture 4 draws it.

    f = (x + y) * z
    g = cr.viz.graph(f)          # Graph: .source (DOT), .render("f.svg"), shows itself in Jupyter
    print(cr.viz.explain(f))     # the backward pass as "downstream = local x upstream" lines

Every value is a box with its name, its shape and, when it is small, its forward value (green, above) and its
gradient (red, below). Every op is an ellipse with its name and its gate role in the lecture's words
(gradient distributor, swap multiplier, gradient router); a value used more than once is drawn with a double
border as the *gradient adder*, with the sum of the gradients its branches sent back.

The gradients are computed here (``cr.grad`` with ``retain_graph=True``), so drawing never touches the
``.grad`` of your tensors. The walk over the graph is iterative: a graph thousands of ops deep draws fine.
"""
from __future__ import annotations

import html
import shutil
import subprocess
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._files import atomic_write
from ..autograd import grad as _autograd_grad
from ..autograd import unbroadcast
from ..errors import ChainruleError
from ..tensor import Tensor
from .language import evaluate

__all__ = ["graph", "explain", "trace", "Graph", "ValueInfo", "OpInfo", "GraphvizNotFoundError", "GraphFreedError",
           "GATE_ROLES", "INSTALL_HINT", "dot_available"]

#: The program that lays graphs out; a module attribute so tests (or odd installs) can point elsewhere.
DOT_PROGRAM = "dot"

INSTALL_HINT = ("Graphviz's `dot` program was not found: install it with `apt-get install graphviz` "
                "(Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install graphviz`.")

GREEN = "#1a7f37"   # forward values
RED = "#c62828"     # gradients
ORANGE = "#b35c00"  # the gradient adder (copy gate)
GREY = "#666666"

#: An op's gate role in the lecture's words, by the engine's ``Node.gate`` value.
GATE_ROLES = {
    "distributor": "gradient distributor",
    "swap multiplier": "swap multiplier",
    "router": "gradient router",
    "copy": "copy gate: gradient adder",
}

# Ops the engine tags with no gate that still play one of the lecture's roles.
_EXTRA_ROLES = {
    "sum": "gradient distributor",             # an add gate with many inputs
    "mean": "gradient distributor (x 1/n)",
    "sub": "gradient distributor (-g to y)",
    "max": "gradient router",
    "min": "gradient router",
}

# The local gradient of each input, as a short formula; {0}, {1}: the inputs' names, {out}: the output's.
_LOCAL_RULES = {
    "add": ("1", "1"),
    "sub": ("1", "-1"),
    "mul": ("{1}", "{0}"),
    "div": ("1/{1}", "-{0}/{1}^2"),
    "pow": ("{1}*{0}^({1}-1)", "{out}*log({0})"),
    "neg": ("-1",),
    "exp": ("e^{0} = {out}",),
    "log": ("1/{0}",),
    "sqrt": ("1/(2*{out})",),
    "sigmoid": ("{out}*(1-{out})",),
    "tanh": ("1-{out}^2",),
    "relu": ("1 if {0} > 0 else 0",),
    "abs": ("sign({0})",),
}


class GraphvizNotFoundError(ChainruleError, RuntimeError):
    """Graphviz's ``dot`` program is needed to render a graph and is not installed."""


class GraphFreedError(ChainruleError, RuntimeError):
    """The graph was freed by ``backward()``; what needed it cannot be done."""


_FREED_HINT = ("call backward(retain_graph=True), or draw the graph before calling backward(), "
               "to see all of it")


# --- the model: what is drawn, independent of DOT --------------------------------------------------------

@dataclass(eq=False)
class ValueInfo:
    """One value of the graph: a tensor (or a constant argument of an op)."""

    key: str
    name: str | None
    shape: tuple
    dtype: str
    data: np.ndarray | None
    grad: np.ndarray | None = None
    tensor: Tensor | None = field(default=None, repr=False)
    producer: "OpInfo | None" = field(default=None, repr=False)
    consumers: list = field(default_factory=list, repr=False)  # (OpInfo, input position) per out-edge
    is_param: bool = False
    is_constant: bool = False
    requires_grad: bool = False
    cluster: str | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def is_leaf(self) -> bool:
        return self.producer is None

    @property
    def is_adder(self) -> bool:
        """Used by more than one op (or twice by one): its gradient is the sum of the branches' (copy gate)."""
        return len(self.consumers) > 1


@dataclass(eq=False)
class OpInfo:
    """One op application (a graph ``Node``): its inputs, output and, once computed, per-edge gradients."""

    key: str
    name: str
    gate: str | None
    role: str | None
    kw: dict
    output: ValueInfo = field(repr=False)
    inputs: list = field(default_factory=list, repr=False)       # (arg position, ValueInfo)
    freed: bool = False
    node: object = field(default=None, repr=False)
    downstream: dict = field(default_factory=dict, repr=False)   # arg position -> gradient sent to that input
    local: dict = field(default_factory=dict, repr=False)        # arg position -> local gradient (scalars)
    detail: str | None = None                                    # e.g. which input won a max
    cluster: str | None = None


def _node_role(node) -> str | None:
    gate = getattr(node, "gate", None)
    if gate in GATE_ROLES:
        return GATE_ROLES[gate]
    if gate:
        return str(gate)
    return _EXTRA_ROLES.get(node.name)


class _Builder:
    """Walks the graph behind a tensor (iteratively) into ValueInfo / OpInfo records."""

    def __init__(self, root: Tensor, names: dict):
        self.values: dict[int, ValueInfo] = {}
        self.constants: list[ValueInfo] = []
        self.ops: list[OpInfo] = []
        self.names = names
        self.freed = False
        self._n = 0
        self.root = self._value(root)
        stack = [self.root]
        while stack:
            v = stack.pop()
            node = v.tensor.grad_fn
            if node is None:
                continue
            op = OpInfo(key=self._key("op"), name=node.name, gate=getattr(node, "gate", None),
                        role=_node_role(node), kw=dict(node.kw or {}), output=v, node=node)
            v.producer = op
            self.ops.append(op)
            if node.freed:
                op.freed = True
                self.freed = True
                continue
            for i, a in enumerate(node.args):
                if isinstance(a, Tensor):
                    known = id(a) in self.values
                    av = self._value(a)
                    if not known:
                        stack.append(av)
                elif a is None:
                    continue
                else:
                    arr = np.asarray(a)
                    av = ValueInfo(key=self._key("c"), name=None, shape=arr.shape, dtype=str(arr.dtype),
                                   data=arr, is_constant=True)
                    self.constants.append(av)
                av.consumers.append((op, i))
                op.inputs.append((i, av))

    def _key(self, prefix):
        self._n += 1
        return f"{prefix}{self._n}"

    def _value(self, t: Tensor) -> ValueInfo:
        v = self.values.get(id(t))
        if v is None:
            pname = self.names.get(id(t))
            v = ValueInfo(key=self._key("v"), name=pname or t.name, shape=tuple(t.shape), dtype=str(t.dtype),
                          data=t.data, tensor=t, is_param=pname is not None, requires_grad=t.requires_grad)
            self.values[id(t)] = v
        return v


def _backward_order(root: ValueInfo, ops: list) -> list:
    """The ops in an order backward can run them: each after every op that consumes its output."""
    pending = {}
    for op in ops:
        for _, v in op.inputs:
            pending[id(v)] = pending.get(id(v), 0) + 1
    order, queue = [], deque([root.producer] if root.producer is not None else [])
    while queue:
        op = queue.popleft()
        order.append(op)
        for _, v in op.inputs:
            pending[id(v)] -= 1
            if pending[id(v)] == 0 and v.producer is not None:
                queue.append(v.producer)
    return order


class _SuspendRetained:
    """Stop ``retain_grad()`` tensors from receiving gradients while the drawing's own backward runs."""

    def __init__(self, ops):
        self.nodes = [op.node for op in ops if op.node is not None and not op.freed]

    def __enter__(self):
        self.saved = [(n, getattr(n, "retained", None)) for n in self.nodes]
        for n, _ in self.saved:
            if getattr(n, "retained", None) is not None:
                n.retained = None

    def __exit__(self, *exc):
        for n, r in self.saved:
            if r is not None:
                n.retained = r
        return False


def _compute_gradients(b: _Builder, gradient, max_values: int) -> None:
    """Every value's gradient with cr.grad (retain_graph=True), then each small op's per-edge gradients."""
    targets = [v for v in b.values.values() if v.requires_grad]
    with _SuspendRetained(b.ops):
        grads = _autograd_grad(b.root.tensor, [v.tensor for v in targets], grad_outputs=gradient,
                               retain_graph=True, allow_unused=True)
    for v, g in zip(targets, grads):
        v.grad = None if g is None else np.asarray(g.data)
    for op in b.ops:
        up = op.output.grad
        if up is None or op.freed or op.output.size > max_values:
            continue
        if any(v.size > max_values for _, v in op.inputs if not v.is_constant):
            continue
        node = op.node
        down = node.op.backward(node, np.array(up, copy=True), False)
        local = None
        if op.output.size == 1:
            local = node.op.backward(node, np.ones_like(up), False)
        for i, v in op.inputs:
            if v.is_constant or i >= len(down) or down[i] is None:
                continue
            op.downstream[i] = _edge_grad(down[i], v)
            if local is not None and v.size == 1 and local[i] is not None:
                op.local[i] = _edge_grad(local[i], v)


def _edge_grad(g, v: ValueInfo) -> np.ndarray:
    g = np.asarray(g.data if isinstance(g, Tensor) else g)
    if g.shape != v.shape:
        g = unbroadcast(g, v.shape)
    return np.asarray(g)


def _describe_routes(b: _Builder, names) -> None:
    """For router ops on small inputs: which input (or element) the gradient goes to."""
    for op in b.ops:
        if op.freed or op.role != "gradient router":
            continue
        ins = [(i, v) for i, v in op.inputs]
        if op.name in ("maximum", "minimum") and len(ins) == 2:
            (_, a), (_, c) = ins
            if a.size == 1 and c.size == 1:
                x, y = float(a.data.reshape(-1)[0]), float(c.data.reshape(-1)[0])
                if x == y:
                    op.detail = "tie: split equally"
                else:
                    first_wins = (x > y) if op.name == "maximum" else (x < y)
                    op.detail = f"{names(a if first_wins else c)} wins"
        elif op.name == "relu" and ins and ins[0][1].size == 1:
            x = float(ins[0][1].data.reshape(-1)[0])
            op.detail = "passes (input > 0)" if x > 0 else "blocks (input <= 0)"
        elif op.name in ("max", "min") and ins and 1 < ins[0][1].size <= 16 and op.kw.get("axis") is None:
            data = ins[0][1].data.reshape(-1)
            k = int(np.argmax(data) if op.name == "max" else np.argmin(data))
            idx = np.unravel_index(k, ins[0][1].shape)
            op.detail = f"element {list(int(j) for j in idx)} wins"


# --- module grouping and collapsing repeated layers --------------------------------------------------------

def _module_types(module) -> dict:
    types = {}
    named = getattr(module, "named_modules", None)
    if callable(named):
        try:
            for name, m in named():
                types[name] = type(m).__name__
        except Exception:  # an unusual module container: clusters still get their path as label
            pass
    return types


def _assign_clusters(b: _Builder) -> None:
    for v in b.values.values():
        if v.is_param and v.name and "." in v.name:
            v.cluster = v.name.rsplit(".", 1)[0]
    for op in b.ops:
        for _, v in op.inputs:
            if v.is_param and v.cluster is not None:
                op.cluster = v.cluster
                break
        if op.cluster is not None and not op.output.is_param:
            op.output.cluster = op.cluster


@dataclass(eq=False)
class _Placeholder:
    key: str
    label: str
    members: list


def _collapse(b: _Builder, forward_ops: list, min_run: int, types: dict):
    """Replace the middle of a run of >= ``min_run`` identical consecutive module clusters by one box.

    Returns (mapping from element key to placeholder key, placeholders).
    """
    clusters: dict[str, list] = {}
    for op in forward_ops:
        if op.cluster is not None:
            clusters.setdefault(op.cluster, []).append(op)
    if len(clusters) < min_run:
        return {}, []
    params = {}
    for v in b.values.values():
        if v.is_param and v.cluster is not None:
            params.setdefault(v.cluster, []).append(v)

    def signature(c):
        ops = tuple(op.name for op in clusters[c])
        ps = tuple(sorted((v.name.rsplit(".", 1)[-1], v.shape) for v in params.get(c, [])))
        return types.get(c), ops, ps

    order = list(clusters)  # first appearance in forward order
    runs, start = [], 0
    for i in range(1, len(order) + 1):
        if i == len(order) or signature(order[i]) != signature(order[start]):
            if i - start >= min_run:
                runs.append(order[start:i])
            start = i
    if not runs:
        return {}, []

    # adjacency over element keys, both directions
    succ, pred, elems = {}, {}, {}
    for v in list(b.values.values()) + b.constants:
        elems[v.key] = v
    for op in b.ops:
        elems[op.key] = op
        for _, v in op.inputs:
            succ.setdefault(v.key, []).append(op.key)
            pred.setdefault(op.key, []).append(v.key)
        succ.setdefault(op.key, []).append(op.output.key)
        pred.setdefault(op.output.key, []).append(op.key)

    def reach(starts, adj):
        seen, stack = set(starts), list(starts)
        while stack:
            k = stack.pop()
            for n in adj.get(k, ()):
                if n not in seen:
                    seen.add(n)
                    stack.append(n)
        return seen

    mapping, placeholders = {}, []
    for run in runs:
        middle = run[1:-1]
        members = set()
        for c in middle:
            for op in clusters[c]:
                members.add(op.key)
                members.add(op.output.key)
            for v in params.get(c, []):
                members.add(v.key)
        span = (reach(members, succ) & reach(members, pred)) | members
        # constants feeding only the span go with it
        for k in list(span):
            for p in pred.get(k, ()):
                if isinstance(elems.get(p), ValueInfo) and elems[p].is_constant:
                    span.add(p)
        key = f"collapsed{len(placeholders) + 1}"
        counts = Counter(elems[k].name for k in span if isinstance(elems[k], OpInfo))
        kind = types.get(middle[0])
        shapes = ", ".join(f"{v.name.rsplit('.', 1)[-1]} {v.shape}" for v in
                           sorted(params.get(middle[0], []), key=lambda v: v.name))
        label = (f"{middle[0]} ... {middle[-1]}\n{len(middle)} x the same layer"
                 + (f" ({kind})" if kind else "") + (f"\n{shapes}" if shapes else "")
                 + "\nops: " + ", ".join(f"{n} x{c}" for n, c in counts.items()))
        placeholders.append(_Placeholder(key, label, middle))
        for k in span:
            mapping[k] = key
    return mapping, placeholders


# --- formatting --------------------------------------------------------------------------------------------

def _num(v) -> str:
    """A number in at most 4 significant digits, floats always looking like floats ("2.0", "-0.3333")."""
    v = float(v) + 0.0  # -0.0 + 0.0 is 0.0: a zero gradient prints as 0.0, never -0.0
    s = f"{v:.4g}"
    if s.lstrip("-").isdigit():
        s += ".0"
    return s


def _array_text(a) -> str:
    a = np.asarray(a)
    if a.size == 1:
        x = a.reshape(-1)[0]
        return _num(x) if np.issubdtype(a.dtype, np.number) or a.dtype == bool else str(x)
    flat = ", ".join(_num(x) if np.issubdtype(a.dtype, np.number) else str(x) for x in a.reshape(-1))
    return f"[{flat}]" if a.ndim == 1 else f"[{flat}] {a.shape}"


def _shape_text(shape) -> str:
    return "scalar" if shape == () else "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _kw_text(kw) -> str:
    parts = []
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            v = f"array{_shape_text(v.shape)}"
        elif isinstance(v, (tuple, list)) and len(v) > 6:
            v = f"{type(v).__name__} of {len(v)}"
        text = f"{k}={v}"
        parts.append(text if len(text) <= 40 else text[:37] + "...")
    return ", ".join(parts)


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


def _dot_id(s) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- the Graph object --------------------------------------------------------------------------------------

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


# --- graph(): the public entry point -----------------------------------------------------------------------

def _param_names(params, module) -> dict:
    names = {}
    if module is not None and params is None:
        named = getattr(module, "named_parameters", None)
        if not callable(named):
            raise TypeError("graph(module=...): the module has no named_parameters(); pass params= instead.")
        params = dict(named())
    if params is not None:
        items = params.items() if hasattr(params, "items") else params
        for name, t in items:
            if not isinstance(t, Tensor):
                raise TypeError(f"graph(params=...): {name!r} is a {type(t).__name__}, not a Tensor.")
            names[id(t)] = str(name)
    return names, params


def graph(tensor: Tensor, *, params=None, module=None, backward: bool | None = None, gradient=None,
          max_values: int = 4, edge_labels: bool | None = None, stats: bool = True, collapse: bool | int = True,
          rankdir: str | None = None, title: str | None = None, legend: bool = True) -> Graph:
    """Draw the graph behind ``tensor``; returns a :class:`Graph` (DOT text, ``render``, Jupyter display).

    - ``params``: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) names parameter leaves, as in
      torchviz; dotted names (``fc1.weight``) group each module's ops into a box. ``module`` does the same
      from a module (and labels the boxes with the module's class).
    - ``backward``: compute every value's gradient for the picture (default: when ``tensor`` is a scalar and
      its graph is intact). Done with ``cr.grad(..., retain_graph=True)``: no ``.grad`` is modified, and
      the graph can still be backpropagated afterwards (gradient hooks registered on non-leaf tensors do
      run, as in any backward pass; ``retain_grad()`` tensors are not updated). ``backward=False`` shows the ``.grad`` the tensors
      already hold (leaves after your own ``backward``). ``gradient`` is the upstream gradient for a
      non-scalar ``tensor``.
    - ``max_values``: values and gradients of tensors with at most this many elements are printed; larger
      ones show their shape (and, with ``stats``, mean/std and the gradient's norm).
    - ``edge_labels``: write "downstream = local × upstream" on each edge (default: when all values are
      scalars).
    - ``rankdir``: Graphviz layout direction; default "LR" (left to right, as in the lecture) for up to 12
      drawn ops, "TB" (top to bottom) for larger graphs.
    - ``collapse``: with a module/params, runs of >= 4 identical consecutive layers (or the int given) are
      drawn as first layer, one box for the middle ones, last layer.

    If ``backward()`` already freed part of the graph, what is still reachable is drawn (plus the named
    ``params`` with their ``.grad``) and a note says how to see all of it.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph: expected a chainrule Tensor, got {type(tensor).__name__}.")
    if max_values < 0:
        raise ValueError("graph: max_values must be >= 0.")
    names, params = _param_names(params, module)
    b = _Builder(tensor, names)
    intact = not b.freed
    can_backward = tensor.requires_grad and intact and (tensor.size == 1 or gradient is not None)
    if backward is None:
        backward = can_backward
    elif backward:
        if b.freed:
            raise GraphFreedError("graph(backward=True): the graph behind this tensor was freed by backward(); "
                                  + _FREED_HINT + ".")
        if not tensor.requires_grad:
            raise ChainruleError("graph(backward=True): this tensor does not require grad, so it has no "
                                 "gradients to show.")
        if tensor.size != 1 and gradient is None:
            raise ChainruleError(f"graph(backward=True) on a tensor of shape {tensor.shape} needs "
                                 f"gradient= (the upstream gradient of that shape).")
    if backward:
        _compute_gradients(b, gradient, max_values)
    else:
        for v in b.values.values():
            g = v.tensor.grad
            v.grad = None if g is None else np.asarray(g.data if isinstance(g, Tensor) else g)

    extra_params = []
    if b.freed and params is not None:
        items = params.items() if hasattr(params, "items") else params
        for name, t in items:
            if id(t) not in b.values:
                v = ValueInfo(key=b._key("v"), name=str(name), shape=tuple(t.shape), dtype=str(t.dtype),
                              data=t.data, tensor=t, is_param=True, requires_grad=t.requires_grad)
                v.grad = None if t.grad is None else np.asarray(t.grad.data)
                extra_params.append(v)

    def name_of(v):
        return v.name or ("const " + _array_text(v.data) if v.is_constant else "input")

    _describe_routes(b, name_of)
    clustered = bool(names)
    types = _module_types(module) if module is not None else {}
    if clustered:
        _assign_clusters(b)
    forward_ops = list(reversed(_backward_order(b.root, b.ops)))
    forward_ops += [op for op in b.ops if op not in set(forward_ops)]
    mapping, placeholders = {}, []
    if clustered and collapse:
        min_run = 4 if collapse is True else max(3, int(collapse))
        mapping, placeholders = _collapse(b, forward_ops, min_run, types)

    all_scalar = all(v.size == 1 for v in b.values.values())
    if edge_labels is None:
        edge_labels = all_scalar and backward
    values = list(b.values.values())
    if rankdir is None:
        drawn = sum(1 for op in forward_ops if op.key not in mapping) + len(placeholders)
        rankdir = "LR" if drawn <= 12 else "TB"
    src = _to_dot(b, values, forward_ops, mapping, placeholders, types, max_values=max_values,
                  edge_labels=edge_labels, stats=stats, rankdir=rankdir, title=title, legend=legend,
                  backward=backward, extra_params=extra_params)
    return Graph(src, values, forward_ops, b.root, b.freed, backward)


def _value_label(v: ValueInfo, is_root: bool, max_values: int, stats: bool, adder_text: str | None) -> str:
    rows = []
    head = v.name
    if head:
        rows.append(f"<B>{_esc(head)}</B>")
    small = v.size <= max_values and v.data is not None
    if not small or v.shape != ():
        rows.append(f'<FONT POINT-SIZE="9" COLOR="{GREY}">{_esc(_shape_text(v.shape))}'
                    f'{"" if v.dtype.startswith("float") else " " + _esc(v.dtype)}</FONT>')
    if small:
        rows.append(f'<FONT COLOR="{GREEN}">{_esc(_array_text(v.data))}</FONT>')
    elif stats and v.data is not None and v.size and np.issubdtype(v.data.dtype, np.number):
        d = v.data.astype(np.float64, copy=False)
        rows.append(f'<FONT POINT-SIZE="9" COLOR="{GREEN}">mean {_esc(_num(d.mean()))}, '
                    f'std {_esc(_num(d.std()))}</FONT>')
    if v.grad is not None:
        if v.size <= max_values:
            rows.append(f'<FONT COLOR="{RED}">grad {_esc(_array_text(v.grad))}</FONT>')
        elif stats:
            norm = float(np.linalg.norm(v.grad.astype(np.float64, copy=False).reshape(-1)))
            rows.append(f'<FONT POINT-SIZE="9" COLOR="{RED}">|grad| {_esc(_num(norm))}</FONT>')
    if adder_text:
        rows.append(f'<FONT POINT-SIZE="9" COLOR="{ORANGE}">{_esc(adder_text)}</FONT>')
    if not rows:
        rows.append(" ")
    return "<" + "<BR/>".join(rows) + ">"


def _adder_text(v: ValueInfo) -> str:
    n = len(v.consumers)
    parts = []
    for op, i in v.consumers:
        g = op.downstream.get(i)
        if g is None or g.size != 1:
            parts = None
            break
        parts.append(_num(g.reshape(-1)[0]))
    if parts and v.grad is not None and v.grad.size == 1:
        return f"gradient adder: {' + '.join(parts)} = {_num(v.grad.reshape(-1)[0])}"
    return f"gradient adder: sum of {n} branches"


def _op_label(op: OpInfo) -> str:
    rows = [f"<B>{_esc(op.name)}</B>"]
    if op.kw:
        kw = _kw_text(op.kw)
        if kw:
            rows.append(f'<FONT POINT-SIZE="8" COLOR="{GREY}">{_esc(kw)}</FONT>')
    if op.role:
        rows.append(f'<FONT POINT-SIZE="9"><I>{_esc(op.role)}</I></FONT>')
    elif op.name in _LOCAL_RULES:
        generic = "; ".join(r.format("x", "y", out="out") for r in _LOCAL_RULES[op.name])
        rows.append(f'<FONT POINT-SIZE="8" COLOR="{GREY}">local: {_esc(generic)}</FONT>')
    if op.detail:
        rows.append(f'<FONT POINT-SIZE="9">{_esc(op.detail)}</FONT>')
    if op.freed:
        rows.append(f'<FONT POINT-SIZE="8" COLOR="{RED}">freed by backward()</FONT>')
    return "<" + "<BR/>".join(rows) + ">"


def _to_dot(b, values, forward_ops, mapping, placeholders, types, *, max_values, edge_labels, stats, rankdir,
            title, legend, backward, extra_params) -> str:
    lines = ["digraph chainrule {",
             f'  graph [rankdir={rankdir}, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.35, '
             f'labelloc=t, labeljust=l];',
             '  node [fontname="Helvetica", fontsize=11];',
             f'  edge [fontname="Helvetica", fontsize=9, color="{GREY}", arrowsize=0.7];']
    notes = []
    if title:
        notes.append(_esc(title))
    if legend:
        if any(v.grad is not None for v in list(values) + list(extra_params)):
            how = ("computed by graph() with cr.grad; no .grad was changed" if backward
                   else "the .grad the tensors hold")
            notes.append(f'<FONT COLOR="{GREEN}">green: forward value</FONT> · '
                         f'<FONT COLOR="{RED}">red: gradient</FONT> ({_esc(how)})'
                         + (' · edges: downstream = local \u00d7 upstream' if edge_labels else ''))
        else:
            notes.append(f'<FONT COLOR="{GREEN}">green: forward value</FONT> (no gradients)')
    if b.freed:
        notes.append(f'<FONT COLOR="{RED}">Part of this graph was freed by backward(): '
                     f'{_esc(_FREED_HINT)}.</FONT>')
    if notes:
        lines.append("  label=<" + "<BR/>".join(notes) + ">;")

    by_cluster: dict[str | None, list] = {}

    def put(cluster, line):
        by_cluster.setdefault(cluster, []).append(line)

    root = b.root
    for v in values + b.constants:
        if v.key in mapping:
            continue
        if v.is_constant:
            put(None, f'  {v.key} [shape=plaintext, fontsize=9, fontcolor="{GREY}", '
                      f'label={_dot_id(_constant_text(v, max_values))}];')
            continue
        attrs = ["shape=box", 'style="rounded,filled"']
        fill = "#e8f0fe" if v.is_param else ("#fffbe6" if v.is_leaf and v.requires_grad else "white")
        attrs.append(f'fillcolor="{fill}"')
        adder = None
        if v.is_adder:
            attrs.append("peripheries=2")
            attrs.append(f'color="{ORANGE}"')
            adder = _adder_text(v)
        if v is root:
            attrs.append("penwidth=2")
        attrs.append("label=" + _value_label(v, v is root, max_values, stats, adder))
        put(v.cluster, f"  {v.key} [{', '.join(attrs)}];")
    for op in forward_ops:
        if op.key in mapping:
            continue
        style = 'style="filled,dashed"' if op.freed else 'style=filled'
        put(op.cluster, f'  {op.key} [shape=ellipse, {style}, fillcolor="#f1f3f4", margin="0.05,0.02", '
                        f'label={_op_label(op)}];')
    for p in placeholders:
        put(None, f'  {p.key} [shape=box3d, style=filled, fillcolor="#eeeeee", label={_dot_id(p.label)}];')

    for cluster, body in by_cluster.items():
        if cluster is None:
            lines.extend(body)
            continue
        kind = types.get(cluster)
        label = f"{cluster}: {kind}" if kind else cluster
        lines.append(f"  subgraph {_dot_id('cluster_' + cluster)} {{")
        lines.append(f'    label={_dot_id(label)}; style="rounded,dashed"; color="#8899aa"; fontsize=10;')
        lines.extend("  " + ln for ln in body)
        lines.append("  }")

    if extra_params:
        lines.append('  subgraph cluster__freed_params {')
        lines.append('    label="parameters (graph freed: not connected)"; style=dashed; color="#bbbbbb";')
        for v in extra_params:
            lines.append(f'    {v.key} [shape=box, style="rounded,filled", fillcolor="#e8f0fe", '
                         f'label={_value_label(v, False, max_values, stats, None)}];')
        lines.append("  }")

    seen_edges = set()

    def edge(a, c, attrs=""):
        a, c = mapping.get(a, a), mapping.get(c, c)
        if a == c:
            return
        if not attrs:
            if (a, c) in seen_edges:
                return
            seen_edges.add((a, c))
        lines.append(f"  {a} -> {c}{(' [' + attrs + ']') if attrs else ''};")

    for op in forward_ops:
        for i, v in op.inputs:
            attrs = ""
            if edge_labels and i in op.downstream and op.key not in mapping and v.key not in mapping:
                down = op.downstream[i]
                text = f"{_array_text(down)}"
                if i in op.local and op.output.grad is not None:
                    text = (f"{_array_text(down)} = {_array_text(op.local[i])} \u00d7 "
                            f"{_array_text(op.output.grad)}")
                attrs = f'label=<<FONT COLOR="{RED}">{_esc(text)}</FONT>>'
                if v.is_adder:
                    attrs += f', color="{ORANGE}"'
            elif v.is_adder and op.key not in mapping:
                attrs = f'color="{ORANGE}"'
            if v.is_constant:
                attrs = (attrs + ", " if attrs else "") + "style=dotted"
            edge(v.key, op.key, attrs)
        edge(op.key, op.output.key)
    lines.append("}")
    return "\n".join(lines) + "\n"


def trace(tensor: Tensor, *, module=None, params=None, max_values: int = 4096) -> list:
    """The records behind a scalar ``tensor`` without drawing: its ops (`OpInfo`) in forward order.

    Every value gets its gradient (``cr.grad``, retain_graph: no ``.grad`` changes); ops whose values have
    at most ``max_values`` elements also get their per-edge downstream gradients (``op.downstream``), local
    gradients for scalars (``op.local``) and router details (``op.detail``). ``module``/``params`` name the
    parameter leaves as in :func:`graph`. Pages that show the backward pass step by step read this.
    """
    if not isinstance(tensor, Tensor) or tensor.size != 1 or not tensor.requires_grad:
        raise ChainruleError("trace: expects a scalar tensor that requires grad (a loss).")
    names, _ = _param_names(params, module)
    b = _Builder(tensor, names)
    if b.freed:
        raise GraphFreedError("trace: the graph behind this tensor was freed by backward(); " + _FREED_HINT + ".")
    _compute_gradients(b, None, max_values)
    _describe_routes(b, lambda v: v.name or "input")
    return list(reversed(_backward_order(b.root, b.ops)))


def _constant_text(v: ValueInfo, max_values: int) -> str:
    if v.size <= max_values:
        return _array_text(v.data)
    return f"const {_shape_text(v.shape)} {v.dtype}"


# --- explain(): the backward pass in words -----------------------------------------------------------------

def explain(tensor, values: dict | None = None, *, names: dict | None = None) -> list:
    """The backward pass behind a scalar ``tensor`` as lines "dx: downstream = local x upstream", in order.

    ``tensor`` may also be an expression string (then ``values`` gives its variables, as for the CLI).
    Values without a name are called v1, v2, ... in forward order. Each line reads, e.g.::

        dx: -4.0 = 1.0 (add: gradient distributor) x -4.0 (upstream from q1)

    and a value used more than once gets a final "gradient adder" line summing its branches. Needs every
    value of the graph to be a scalar, and the graph not freed (draw before ``backward()``, or use
    ``backward(retain_graph=True)``). Does not modify any ``.grad``.
    """
    if isinstance(tensor, str):
        tensor = evaluate(tensor, values or {})
    if not isinstance(tensor, Tensor):
        raise TypeError(f"explain: expected a Tensor or an expression string, got {type(tensor).__name__}.")
    if not tensor.requires_grad:
        raise ChainruleError("explain: this value does not depend on any tensor with requires_grad=True, "
                             "so there is no backward pass to explain.")
    pnames, _ = _param_names(names, None)
    b = _Builder(tensor, pnames)
    if b.freed:
        raise GraphFreedError("explain: the graph behind this tensor was freed by backward(); "
                              + _FREED_HINT + ".")
    if any(v.size != 1 for v in b.values.values()):
        big = next(v for v in b.values.values() if v.size != 1)
        raise ChainruleError(f"explain: works on graphs of scalars, but {big.name or 'a value'} has shape "
                             f"{big.shape}; use cr.viz.graph() to draw tensor graphs.")
    _compute_gradients(b, None, max_values=1)
    order = _backward_order(b.root, b.ops)
    fwd = list(reversed(order))
    auto = 0
    # name unnamed values in forward order: leaves first (as met), then op outputs
    for op in fwd:
        for _, v in op.inputs:
            if not v.is_constant and not v.name:
                auto += 1
                v.name = f"v{auto}"
        if not op.output.name and op.output is not b.root:
            auto += 1
            op.output.name = f"v{auto}"
    if not b.root.name:
        b.root.name = "out"

    def nm(v):
        return v.name if not v.is_constant else _array_text(v.data)

    _describe_routes(b, nm)
    root = b.root
    lines = [f"{root.name} = {_num(root.data.reshape(-1)[0])}; d{root.name}/d{root.name} = 1.0 "
             f"(backward starts with gradient 1 at the output)"]
    remaining = {id(v): len(v.consumers) for v in b.values.values()}
    for op in order:
        up = op.output.grad
        if up is None:
            continue
        up_s = _num(up.reshape(-1)[0])
        role = op.role or ""
        for i, v in op.inputs:
            if v.is_constant or i not in op.downstream:
                continue
            local = op.local.get(i)
            local_s = _num(local.reshape(-1)[0]) if local is not None else "?"
            rule = _local_rule(op, i, nm)
            show_rule = rule is not None and not _is_number(rule)
            how = ", ".join(x for x in (role, op.detail, f"local = {rule}" if show_rule else None) if x)
            tag = f"d{v.name}" + (f" (branch {len(v.consumers) - remaining[id(v)] + 1} of "
                                  f"{len(v.consumers)}, via {op.name})" if v.is_adder else "")
            lines.append(f"{tag}: {_num(op.downstream[i].reshape(-1)[0])} = {local_s} ({op.name}"
                         f"{': ' + how if how else ''}) x {up_s} (upstream from {op.output.name})")
            remaining[id(v)] -= 1
            if v.is_adder and remaining[id(v)] == 0 and v.grad is not None:
                parts = [_num(o.downstream[j].reshape(-1)[0]) for o, j in v.consumers if j in o.downstream]
                lines.append(f"d{v.name}: {_num(v.grad.reshape(-1)[0])} = {' + '.join(parts)} "
                             f"(gradient adder: {v.name} is used {len(v.consumers)} times)")
    return lines


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _local_rule(op: OpInfo, i: int, nm) -> str | None:
    rules = _LOCAL_RULES.get(op.name)
    if rules is None or i >= len(rules):
        return None
    args = {j: nm(v) for j, v in op.inputs}
    try:
        return rules[i].format(*(args.get(j, "?") for j in range(max(args) + 1)), out=op.output.name or "out")
    except (IndexError, KeyError):
        return None
