"""Lecture sections 4.2-4.3: the computational graph and the four gate patterns, on the lecture's small numbers.

At every node, downstream gradient = local gradient x upstream gradient (eq. 5). Each gate below is built
from chainrule tensors, its local gradients are read off ``cr.jacobian``, its downstream gradients come
from the engine's backward pass, and the two are checked against each other and against the numbers
worked out by hand:

- add gate ``z = x + y`` (x=3, y=4, upstream 2): both inputs get 2, the *gradient distributor*;
- mul gate ``z = x * y`` (x=2, y=3, upstream 5): x gets 3*5=15, y gets 2*5=10, the *swap multiplier*;
- copy gate ``z1 = z2 = x``, drawn as ``z = (x, x)`` (x=7, upstreams 4 and 2): x gets 4+2=6, the *gradient
  adder* (eq. 6);
- max gate ``z = max(x, y)`` (x=4, y=5, upstream 9): the winner y gets 9, x gets 0, the *gradient router*;

and two whole graphs: the lecture's ``f = (x + y) z`` at x=-2, y=5, z=-4 (df/dx = df/dy = -4, df/dz = 3)
and the CS231n sigmoid neuron ``f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))`` at w=(2, -3, -3), x=(-1, -2).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import maximum, stack, tensor
from ..autograd import grad
from ..gradcheck import jacobian
from ..tensor import Tensor
from .common import Result, Timer, format_table, seed_everything, write_lecture_report

TOPIC = "gates"

# (name, role, inputs, build(inputs) -> output, upstream, expected downstream)
GATES = (
    ("add", "gradient distributor", {"x": 3.0, "y": 4.0}, lambda v: v["x"] + v["y"], 2.0, {"x": 2.0, "y": 2.0}),
    ("mul", "swap multiplier", {"x": 2.0, "y": 3.0}, lambda v: v["x"] * v["y"], 5.0, {"x": 15.0, "y": 10.0}),
    # x used twice, z = (x, x): the picture shows x forking into two branches, each with its own upstream
    ("copy", "gradient adder", {"x": 7.0}, lambda v: stack([v["x"], v["x"]]), [4.0, 2.0], {"x": 6.0}),
    ("max", "gradient router", {"x": 4.0, "y": 5.0}, lambda v: maximum(v["x"], v["y"]), 9.0, {"x": 0.0, "y": 9.0}),
)

#: The lecture's worked example f = (x + y) z and its gradients.
EXAMPLE_INPUTS = {"x": -2.0, "y": 5.0, "z": -4.0}
EXAMPLE_GRADS = {"x": -4.0, "y": -4.0, "z": 3.0, "q": -4.0}
#: The CS231n sigmoid neuron and its gradients (rounded to 2 decimals as on the slide).
NEURON_INPUTS = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
NEURON_GRADS = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}


def _scalars(values: dict) -> dict:
    return {k: tensor(v, dtype=np.float64, requires_grad=True, name=k) for k, v in values.items()}


def _num(v) -> str:
    a = np.asarray(v, dtype=np.float64).reshape(-1)
    text = [f"{x:.4g}" for x in a]
    return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"


def _render(g, out_dir: Path, stem: str):
    """Render a graph to PNG when Graphviz is installed, else write its DOT text. Returns (path, is_picture)."""
    from ..viz import dot_available
    if dot_available():
        return g.render(out_dir / f"{stem}.png"), True
    return g.render(out_dir / f"{stem}.dot"), False


def _gate(name, role, values, build, upstream):
    """Measure one gate: forward value, local gradients (Jacobian), downstream gradients (backward)."""
    v = _scalars(values)
    z = build(v)
    z.name = "z"
    up = np.asarray(upstream, dtype=np.float64).reshape(z.shape)
    downstream = grad(z, list(v.values()), grad_outputs=Tensor(up.copy()), retain_graph=True)
    local = {}
    for k, t in v.items():
        others = {j: u.detach() for j, u in v.items() if j != k}
        local[k] = jacobian(lambda s, k=k, others=others: build({**others, k: s}), t.detach()).reshape(-1)
    chain = {k: float(np.dot(local[k], up.reshape(-1))) for k in v}
    down = {k: float(d.data) for k, d in zip(v, downstream)}
    return v, z, up, local, down, chain


def gate_graph(z, up, name, role):
    """The picture of one gate, every edge labelled with the gradient it carries back."""
    from ..viz import graph
    note = " (x used twice, z = (x, x): its two branches' gradients add up)" if name == "copy" else ""
    return graph(z, gradient=Tensor(up.copy()), title=f"{name} gate: {role}{note}", edge_labels=True)


def run(out_dir, fast: bool = True, seed: int = 0) -> Result:
    """Run the gate patterns and the two worked examples; ``fast`` and ``seed`` change nothing (no randomness)."""
    from ..viz import explain, graph
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(seed)
    result = Result(TOPIC, "The four gate patterns", "4.2-4.3",
                    "At every node: downstream gradient = local gradient x upstream gradient.",
                    config={"dtype": "float64", "seed": seed, "fast": fast})
    with Timer() as timer:
        rows, pictures, dot_texts = [], [], []
        all_chain, all_expected = True, True
        for name, role, values, build, upstream, expected in GATES:
            v, z, up, local, down, chain = _gate(name, role, values, build, upstream)
            for k in v:
                result.numbers[f"{name}.d{k}"] = down[k]
                result.numbers[f"{name}.local.d{k}"] = local[k].tolist()
                all_chain &= bool(np.isclose(down[k], chain[k], rtol=0, atol=1e-12))
                all_expected &= bool(np.isclose(down[k], expected[k], rtol=0, atol=1e-12))
            inputs = ", ".join(f"{k}={_num(t.data)}" for k, t in v.items())
            rows.append([f"{name} ({role})", inputs, _num(z.data), _num(up),
                         ", ".join(f"dz/d{k}={_num(local[k])}" for k in v),
                         ", ".join(f"d{k}={_num(down[k])}" for k in v)])
            g = gate_graph(z, up, name, role)
            path, is_picture = _render(g, out_dir, f"gate_{name}")
            (pictures if is_picture else dot_texts).append((path, f"{name} gate: {role} (upstream {_num(up)})"))
        header = ["gate", "inputs", "output", "upstream", "local", "downstream = local × upstream"]

        # the lecture's worked example f = (x + y) z
        ex = _scalars(EXAMPLE_INPUTS)
        q = ex["x"] + ex["y"]
        q.name = "q"
        q.retain_grad()
        f = q * ex["z"]
        f.name = "f"
        lines = explain(f)
        g = graph(f, title="f = (x + y) z")
        f.backward()
        ex_grads = {k: float(t.grad.data) for k, t in ex.items()}
        ex_grads["q"] = float(q.grad.data)
        for k, val in ex_grads.items():
            result.numbers[f"example.d{k}"] = val
        result.numbers["example.f"] = float(f.data)
        path, is_picture = _render(g, out_dir, "example_f")
        (pictures if is_picture else dot_texts).append((path, "f = (x + y) z at x=-2, y=5, z=-4"))
        ex_rows = [[k, EXAMPLE_INPUTS.get(k, float(q.data)), ex_grads[k], EXAMPLE_GRADS[k]]
                   for k in ("x", "y", "z", "q")]

        # the sigmoid neuron, built from primitive gates
        n = _scalars(NEURON_INPUTS)
        s = n["w0"] * n["x0"] + n["w1"] * n["x1"] + n["w2"]
        out = 1.0 / (1.0 + (-s).exp())
        out.name = "f"
        g = graph(out, title="sigmoid neuron f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))")
        out.backward()
        neuron = {k: float(t.grad.data) for k, t in n.items()}
        for k, val in neuron.items():
            result.numbers[f"neuron.d{k}"] = val
        result.numbers["neuron.f"] = float(out.data)
        path, is_picture = _render(g, out_dir, "example_neuron")
        (pictures if is_picture else dot_texts).append((path, "the sigmoid neuron: gradients (red) flow back"))
        local_sigmoid = float(out.data * (1 - out.data))
        result.numbers["neuron.local_sigmoid"] = local_sigmoid
        neuron_rows = [[k, NEURON_INPUTS[k], neuron[k], NEURON_GRADS[k]] for k in NEURON_INPUTS]

    result.checks = {
        "every gate's downstream gradient equals its local gradient times the upstream gradient": all_chain,
        "the gates give the hand-worked numbers (add 2, 2; mul 15, 10; copy 6; max 0, 9)": all_expected,
        "f = (x + y) z at x=-2, y=5, z=-4: df/dx = -4, df/dy = -4, df/dz = 3": all(
            ex_grads[k] == EXAMPLE_GRADS[k] for k in EXAMPLE_GRADS) and float(f.data) == -12.0,
        "sigmoid neuron: gradients (-0.20, 0.39, -0.39, -0.59, 0.20) to 2 decimals": all(
            round(neuron[k], 2) == NEURON_GRADS[k] for k in NEURON_GRADS),
    }
    result.seconds = timer.seconds
    ex_header = ["variable", "value", "gradient (backprop)", "lecture"]
    result.table = "\n\n".join([
        format_table(header, rows),
        "f = (x + y) z at x=-2, y=5, z=-4 (f = -12):\n" + format_table(ex_header, ex_rows),
        "backward pass, node by node:\n" + "\n".join("  " + line for line in lines),
        f"sigmoid neuron (f = {result.numbers['neuron.f']:.4f}, local gradient of the sigmoid gate "
        f"f(1-f) = {local_sigmoid:.4f}):\n" + format_table(ex_header, neuron_rows),
    ])
    result.pictures = [p for p, _ in pictures]
    extra = [{"heading": "The backward pass of f = (x + y) z, node by node", "code": "\n".join(lines)}]
    for path, caption in dot_texts:
        extra.append({"heading": caption, "text": "Graphviz's dot program is not installed, so here is the graph "
                      "as DOT text (render it with: dot -Tpng FILE -o FILE.png).", "code": Path(path).read_text()})
    result.report = write_lecture_report(
        result, out_dir,
        explanation=[
            "Backpropagation never looks at the whole network: each node (gate) only knows its inputs and the "
            "gradient that arrives from above (the upstream gradient). It multiplies that by its own local "
            "gradient and passes the product down: downstream = local × upstream (eq. 5).",
            "Four patterns cover most graphs. An add gate hands the same gradient to every input (distributor). "
            "A mul gate gives each input the upstream gradient times the other input (swap multiplier). A "
            "value used in several places receives the sum of the gradients of its branches (copy gate, "
            "gradient adder, eq. 6). A max gate sends the whole gradient to the input that won and 0 to the "
            "others (router).",
            "Below, each gate's local gradient is read off an explicit Jacobian, its downstream gradient comes "
            "from chainrule's backward pass, and the two agree with the numbers worked out by hand."],
        quote="Downstream Gradient = Local Gradient \u00d7 Upstream Gradient",
        tables=[("The four gates", header, rows), ("f = (x + y) z", ex_header, ex_rows),
                ("The sigmoid neuron", ex_header, neuron_rows)],
        images=pictures, extra=extra)
    return result
