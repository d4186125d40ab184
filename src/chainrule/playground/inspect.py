"""One point's backward pass gate by gate, the typed-expression explainer, and the numerical gradient check.

The walk reuses `chainrule.viz.compgraph.trace` (the records `cr.viz.graph` draws from): no second derivative table.
"""
from __future__ import annotations

import time

import numpy as np

from .. import autograd, nn
from ..gradcheck import numerical_grad, rel_error
from ..tensor import Tensor
from ..viz.compgraph import explain, trace
from ..viz.language import build_expression, parse_values
from .session import penalty

MAX_SHOWN = 64          # numbers shown per array
MAX_PROBES = 400        # parameter elements probed by the numerical check
#: the lecture's words for the fused ops a network records (the engine's gates name the primitive ones)
FUSED_ROLES = {"linear": "x @ W.T + b: swap multiplier (matrix form) and distributor (to b)",
               "cross_entropy": "softmax + log loss: downstream = softmax(scores) - onehot(label)",
               "mse_loss": "squared error"}


def _arr(a) -> dict:
    a = np.asarray(a, dtype=np.float64)
    flat = a.reshape(-1)
    return {"shape": list(a.shape), "values": [float(v) for v in flat[:MAX_SHOWN]], "size": int(a.size),
            "norm": float(np.linalg.norm(flat))}


def _local(op) -> dict | None:
    """An elementwise gate's local gradient (its Jacobian's diagonal): backward of ones through the engine's VJP."""
    node = op.node
    if node is None or len(op.inputs) != 1 or op.inputs[0][1].shape != op.output.shape:
        return None
    g = node.vjps(np.ones(op.output.shape, dtype=op.output.data.dtype))[0]
    return None if g is None else _arr(getattr(g, "data", g))


def backprop(session, index: int) -> dict:
    """Forward and backward of the training objective's data term for the point ``index`` (eval mode)."""
    cfg = session.config
    x = Tensor(session.F[index:index + 1], requires_grad=True, name="x")
    target = session.y[index:index + 1]
    model = session.model
    model.eval()
    try:
        with autograd.enable_grad():
            loss = session._loss(model(x), target)
            loss.name = "loss"
            ops = trace(loss, module=model, max_values=1 << 15)
    finally:
        model.train()
    counts = {}
    for op in ops:                          # name the intermediate values in forward order: linear1, relu1, ...
        if not op.output.name:
            counts[op.name] = counts.get(op.name, 0) + 1
            op.output.name = f"{op.name}{counts[op.name]}"
    steps = []
    for op in ops:
        steps.append({
            "op": op.name, "role": op.role or FUSED_ROLES.get(op.name, ""), "detail": op.detail,
            "inputs": [{"name": v.name or ("constant" if v.is_constant else "input"), **_arr(v.data)}
                       for _, v in op.inputs],
            "output": {"name": op.output.name or "", **_arr(op.output.data)},
            "upstream": _arr(op.output.grad) if op.output.grad is not None else None,
            "local": _local(op),
            "downstream": [{"name": v.name or "input", **_arr(op.downstream[i])}
                           for i, v in op.inputs if i in op.downstream],
        })
    return {"index": int(index), "point": session.X[index].tolist(),
            "label": session.y[index].item(), "features": cfg.features, "loss": float(loss.item()),
            "forward": steps, "backward": steps[::-1]}


def explain_expression(expression: str, values: str) -> dict:
    """``chainrule graph --explain`` for a typed expression: its value and the backward lines."""
    f = build_expression(expression, parse_values(values))
    lines = explain(f) if f.requires_grad else []
    return {"value": float(f.item()), "lines": lines}


def gradcheck(session, index: int | None = None) -> dict:
    """Backprop against centred differences on the training objective (the point ``index``, or all training
    points), in float64 and eval mode; probes at most `MAX_PROBES` parameter elements, like CS231n's sparse check."""
    cfg = session.config
    idx = session.train_idx if index is None else np.asarray([index])
    F64 = session.F[idx].astype(np.float64)
    target = session.y[idx]
    model = nn.MLP.from_config(session.model.get_config(), dtype=np.float64)
    model.load_state_dict({k: v.data.astype(np.float64) for k, v in session.model.state_dict().items()})
    model.eval()
    named = list(model.named_parameters())
    params = [p for _, p in named]

    def objective(*_):
        loss = session._loss(model(Tensor(F64)), target)
        reg = penalty(cfg, model)
        return loss if reg is None else loss + reg

    t0 = time.perf_counter()
    analytic = autograd.grad(objective(), params)
    t_backprop = time.perf_counter() - t0
    total = sum(p.data.size for p in params)
    rng = np.random.default_rng(0)
    share = min(1.0, MAX_PROBES / total)
    indices = [rng.choice(p.data.size, size=max(1, int(round(share * p.data.size))), replace=False) for p in params]
    t0 = time.perf_counter()
    numeric = numerical_grad(objective, params, eps=1e-6, indices=indices)
    t_numeric = time.perf_counter() - t0
    probes = sum(len(i) for i in indices)
    rows = []
    for (name, p), a, n, ix in zip(named, analytic, numeric, indices):
        a_flat, n_flat = a.data.reshape(-1)[ix], n.reshape(-1)[ix]
        rows.append({"name": name, "shape": list(p.data.shape), "probed": int(len(ix)),
                     "rel_error": rel_error(a_flat, n_flat)})
    return {"points": int(len(idx)), "parameters": int(total), "probed": int(probes), "rows": rows,
            "max_rel_error": max(r["rel_error"] for r in rows),
            "forward_passes": 2 * probes + 1, "full_forward_passes": 2 * total,
            "seconds_numeric": t_numeric, "seconds_backprop": t_backprop}
