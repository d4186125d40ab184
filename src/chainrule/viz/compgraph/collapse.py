"""Grouping ops by module and collapsing repeated layers into one box."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .model import OpInfo, ValueInfo, _Builder


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
