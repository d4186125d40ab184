"""explain(): the backward pass in words, one 'downstream = local × upstream' line per edge."""
from __future__ import annotations

from ...errors import ChainruleError
from ...tensor import Tensor
from ..language import build_expression
from .model import (_FREED_HINT, GraphFreedError, OpInfo, _backward_order, _Builder,
                    _compute_gradients, _describe_routes, _param_names)
from .text import _array_text, _num


def explain(tensor, values: dict | None = None, *, names: dict | None = None) -> list:
    """The backward pass behind a scalar ``tensor`` as lines "dx: downstream = local × upstream", in order.

    ``tensor`` may also be an expression string (then ``values`` gives its variables, as for the CLI).
    Values without a name are called v1, v2, ... in forward order. Each line reads, e.g.::

        dx: -4.0 = 1.0 (add: gradient distributor) × -4.0 (upstream from q1)

    and a value used more than once gets a final "gradient adder" line summing its branches. Needs every
    value of the graph to be a scalar, and the graph not freed (draw before ``backward()``, or use
    ``backward(retain_graph=True)``). Does not modify any ``.grad``.
    """
    if isinstance(tensor, str):
        tensor = build_expression(tensor, values or {})
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
                         f"{': ' + how if how else ''}) \u00d7 {up_s} (upstream from {op.output.name})")
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
    rules = op.rules
    if rules is None or i >= len(rules):
        return None
    args = {j: nm(v) for j, v in op.inputs}
    try:
        return rules[i].format(*(args.get(j, "?") for j in range(max(args) + 1)), out=op.output.name or "out")
    except (IndexError, KeyError):
        return None
