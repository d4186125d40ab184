"""What a graph picture shows, independent of DOT: values, ops, gate roles, local-gradient rules, gradients and routes."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ...autograd import grad as _autograd_grad
from ...errors import ChainruleError
from ...tensor import Tensor


#: An op's gate role in the lecture's words, by the engine's ``Node.gate`` value.
GATE_ROLES = {
    "distributor": "gradient distributor",
    "swap multiplier": "swap multiplier",
    "router": "gradient router",
    "copy": "copy gate: gradient adder",
}


class GraphFreedError(ChainruleError, RuntimeError):
    """The graph was freed by ``backward()``; what needed it cannot be done."""


_FREED_HINT = ("call backward(retain_graph=True), or draw the graph before calling backward(), "
               "to see all of it")


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
    rules: tuple | None = None                                   # the op's local gradients as text (op.local)
    cluster: str | None = None


def _node_role(node) -> str | None:
    """The gate's role in the lecture's words: the op's own ``role``, else its ``gate`` (``ops/``)."""
    role = getattr(node.op, "role", None)
    if role:
        return role
    gate = getattr(node, "gate", None)
    return GATE_ROLES.get(gate, str(gate) if gate else None)


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
                        role=_node_role(node), kw=dict(node.kw or {}), output=v, node=node,
                        rules=getattr(getattr(node.op, "pair", None) or node.op, "local", None))
            v.producer = op
            self.ops.append(op)
            if node.freed:
                op.freed = True
                self.freed = True
                continue
            for i, a in enumerate(_drawn_args(node)):
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


def _compute_gradients(b: _Builder, gradient, max_values: int) -> None:
    """Every value's gradient with cr.grad (retain_graph=True), then each small op's per-edge gradients."""
    targets = [v for v in b.values.values() if v.requires_grad]
    grads = _autograd_grad(b.root.tensor, [v.tensor for v in targets], grad_outputs=gradient,   # fills no .grad
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
        down = _drawn_vjps(node, np.array(up, copy=True))
        local = None
        if op.output.size == 1:
            local = _drawn_vjps(node, np.ones_like(up))
        for i, v in op.inputs:
            if v.is_constant or i >= len(down) or down[i] is None:
                continue
            op.downstream[i] = np.asarray(down[i])
            if local is not None and v.size == 1 and local[i] is not None:
                op.local[i] = np.asarray(local[i])



def _drawn_args(node) -> tuple:
    """A node's inputs as the lecture draws them: the engine records ``x * x`` as one node with one input
    (``Op.same``); the picture shows the mul gate with x on both inputs, a copy gate in front."""
    return node.args * 2 if getattr(node.op, "pair", None) is not None else node.args


def _drawn_vjps(node, up) -> list:
    """One gradient per drawn input. For ``x * x`` the two swap-multiplier gradients are equal, so each is
    half of the one VJP the engine computes (exact: halving only changes the exponent)."""
    down = node.vjps(up)
    if getattr(node.op, "pair", None) is None:     # a custom Function's node has no pair
        return down
    half = None if down[0] is None else down[0] / 2
    return [half, half]


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
