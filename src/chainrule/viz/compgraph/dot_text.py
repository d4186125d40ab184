"""The DOT source of a graph: value boxes, op ellipses, edges with local × upstream."""
from __future__ import annotations

import numpy as np

from .model import _FREED_HINT, OpInfo, ValueInfo
from .text import GREEN, GREY, ORANGE, RED, _array_text, _dot_id, _esc, _kw_text, _num, _shape_text


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
    elif op.rules:
        generic = "; ".join(r.format("x", "y", out="out") for r in op.rules)
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


def _constant_text(v: ValueInfo, max_values: int) -> str:
    if v.size <= max_values:
        return _array_text(v.data)
    return f"const {_shape_text(v.shape)} {v.dtype}"
