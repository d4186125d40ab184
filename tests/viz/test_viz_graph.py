"""cr.viz.graph: DOT for the lecture's small graphs, gate roles, the adder, the router, large graphs."""
import re
import shutil
import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.errors import ChainruleError
from chainrule.viz.compgraph import render as render_mod
from chainrule.viz.compgraph import text as text_mod
from chainrule.viz import GraphFreedError, GraphvizNotFoundError, explain, graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def scalar(v, name):
    return cr.tensor(v, dtype="float64", requires_grad=True, name=name)


def lecture_example():
    """f = (x + y) * z with x=-2, y=5, z=-4 (CS231n lecture 4)."""
    x, y, z = scalar(-2.0, "x"), scalar(5.0, "y"), scalar(-4.0, "z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return x, y, z, q, f


def label_of(source, name):
    """The label of the value node whose bold name is ``name``."""
    m = re.search(rf"label=<<B>{re.escape(name)}</B>(.*?)>\];", source)
    assert m, f"no node named {name} in\n{source}"
    return m.group(1)


def test_lecture_example_values_gradients_and_roles():
    x, y, z, q, f = lecture_example()
    g = graph(f)
    src = g.source
    assert src.startswith("digraph") and str(g) == src
    assert "grad -4.0" in label_of(src, "x")
    assert "grad -4.0" in label_of(src, "y")
    assert "grad 3.0" in label_of(src, "z")
    assert "grad -4.0" in label_of(src, "q")
    assert "-12.0" in label_of(src, "f") and "grad 1.0" in label_of(src, "f")
    # forward value in green above, gradient in red below
    lab = label_of(src, "x")
    assert lab.index(text_mod.GREEN) < lab.index(text_mod.RED)
    assert f'<FONT COLOR="{text_mod.GREEN}">-2.0</FONT>' in lab
    assert "<B>add</B>" in src and "gradient distributor" in src
    assert "<B>mul</B>" in src and "swap multiplier" in src
    # records behind the picture
    assert g.value("x").grad.item() == -4.0 and g.value("z").grad.item() == 3.0
    assert {op.name: op.role for op in g.ops} == {"add": "gradient distributor", "mul": "swap multiplier"}
    # edge labels: downstream = local × upstream
    assert "3.0 = 3.0 × 1.0" in src and "-4.0 = 1.0 × -4.0" in src


def test_drawing_does_not_touch_grads_and_keeps_graph():
    x, y, z, q, f = lecture_example()
    q.retain_grad()
    graph(f)
    assert x.grad is None and y.grad is None and z.grad is None and q.grad is None
    f.backward()  # the graph is still intact
    assert (x.grad.item(), y.grad.item(), z.grad.item(), q.grad.item()) == (-4.0, -4.0, 3.0, -4.0)


def test_backward_false_shows_existing_grads():
    x, y, z, q, f = lecture_example()
    f.backward(retain_graph=True)
    g = graph(f, backward=False)
    assert g.value("x").grad.item() == -4.0
    assert g.value("q").grad is None  # not retained, so not known
    assert not g.backward_done


def test_gradient_adder_for_reused_value():
    x = scalar(3.0, "x")
    f = x * x + x  # x feeds the mul twice and the add once
    f.name = "f"
    g = graph(f)
    v = g.value("x")
    assert v.is_adder and len(v.consumers) == 3
    assert v.grad.item() == 7.0
    lab = label_of(g.source, "x")
    assert "gradient adder: 3.0 + 3.0 + 1.0 = 7.0" in lab or "gradient adder: 1.0 + 3.0 + 3.0 = 7.0" in lab
    node_line = next(ln for ln in g.source.splitlines() if "<B>x</B>" in ln)
    assert "peripheries=2" in node_line
    assert not g.value("f").is_adder


def test_router_shows_winner():
    x, y, z = scalar(3.0, "x"), scalar(-4.0, "y"), scalar(2.0, "z")
    m = cr.maximum(x, y)
    m.name = "m"
    f = m * z
    g = graph(f)
    assert "gradient router" in g.source and "x wins" in g.source
    assert g.value("x").grad.item() == 2.0 and g.value("y").grad.item() == 0.0
    r = cr.relu(scalar(-1.0, "a"))
    assert "blocks" in graph(r).source
    r = cr.relu(scalar(2.0, "b"))
    assert "passes" in graph(r).source
    v = cr.tensor([1.0, 5.0, 2.0], requires_grad=True, name="v")
    assert "element [1] wins" in graph(v.max()).source


def test_edge_gradients_sum_to_engine_gradients():
    a, b, c = scalar(0.7, "a"), scalar(-1.3, "b"), scalar(2.1, "c")
    s = a * b
    t = (s + c).tanh() * a + cr.exp(b) / c - cr.maximum(a, c) * s
    g = graph(t)
    ga, gb, gc = cr.grad(t, [a, b, c], retain_graph=True)
    for leaf, want in (("a", ga), ("b", gb), ("c", gc)):
        v = g.value(leaf)
        edge_sum = sum(op.downstream[i].item() for op, i in v.consumers)
        assert edge_sum == pytest.approx(want.item(), rel=1e-12)
        assert v.grad.item() == pytest.approx(want.item(), rel=1e-12)


def test_constants_and_kw_are_drawn():
    x = scalar(2.0, "x")
    f = (x * 3.0).sum(axis=None)
    src = graph(f).source
    assert 'label="3.0"' in src and "style=dotted" in src


def test_non_scalar_root():
    w = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="W")
    y = w * 2
    g = graph(y)
    assert not g.backward_done and "grad" not in label_of(g.source, "W")
    g = graph(y, gradient=np.ones((2, 2)))
    assert g.backward_done and np.all(g.value("W").grad == 2)
    with pytest.raises(ChainruleError, match="gradient="):
        graph(y, backward=True)


def test_freed_graph():
    a = scalar(3.0, "a")
    b = a * a
    b.name = "b"
    b.backward()
    g = graph(b, params={"a": a})
    assert g.freed and "freed by backward()" in g.source and "retain_graph=True" in g.source
    assert "grad 6.0" in label_of(g.source, "a")  # the leaf with its .grad, drawn once
    assert g.source.count("<B>a</B>") == 1
    with pytest.raises(GraphFreedError, match="retain_graph=True"):
        graph(b, backward=True)
    with pytest.raises(GraphFreedError, match="retain_graph=True"):
        explain(b)
    c = b + 1  # partly freed: the new node is alive, the old one is not
    g = graph(c)
    assert g.freed and not g.backward_done


def test_deep_graph_no_recursion():
    x = scalar(1.0, "x")
    y = x
    for _ in range(3000):
        y = y * 1.0 + 0.0
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(500)
    try:
        g = graph(y)
        lines = explain(y)
    finally:
        sys.setrecursionlimit(old)
    assert len(g.ops) == 6000 and g.value("x").grad.item() == pytest.approx(1.0)
    assert len(lines) == 6001


def test_names_are_escaped():
    x = scalar(1.0, "<a&b>")
    src = graph(x * 2).source
    assert "&lt;a&amp;b&gt;" in src and "<a&b>" not in src


def test_not_a_tensor():
    with pytest.raises(TypeError):
        graph(np.ones(3))


class _FakeLinear:
    pass


class _FakeMLP:
    """Duck-typed module: named_parameters / named_modules, as chainrule.nn.Module will have."""

    def __init__(self, sizes):
        self.layers = [(f"fc{i + 1}", cr.randn(b, a, requires_grad=True) * 0.05, cr.zeros(b, requires_grad=True))
                       for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
        self.layers = [(n, cr.tensor(w.data, requires_grad=True), b) for n, w, b in self.layers]

    def named_parameters(self):
        for n, w, b in self.layers:
            yield n + ".weight", w
            yield n + ".bias", b

    def named_modules(self):
        yield "", self
        for n, _, _ in self.layers:
            yield n, _FakeLinear()

    def __call__(self, x):
        for i, (_, w, b) in enumerate(self.layers):
            x = F.linear(x, w, b)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


def test_mlp_training_step_is_readable():
    model = _FakeMLP([3072, 100, 100, 100, 100, 100, 10])
    x = cr.randn(64, 3072)
    y = np.arange(64) % 10
    loss = F.cross_entropy(model(x), y)
    g = graph(loss, module=model)
    src = g.source
    # shapes, not values, for big tensors; parameter leaves named; module clusters
    assert "(64, 3072)" in src and "(100, 3072)" in src
    assert "<B>fc1.weight</B>" in src and "<B>fc6.bias</B>" in src
    assert 'subgraph "cluster_fc1"' in src and "fc1: _FakeLinear" in src
    assert "cross_entropy" in src and "const (64,) int64" in src
    # fc2..fc5 identical (100x100): fc3 and fc4 collapse between fc2 and fc5
    assert "fc3 ... fc4" in src and "2 x the same layer" in src
    assert "<B>fc3.weight</B>" not in src and "<B>fc2.weight</B>" in src and "<B>fc5.weight</B>" in src
    assert "|grad|" in src
    assert all(p.grad is None for _, p in model.named_parameters())
    nocollapse = graph(loss, params=dict(model.named_parameters()), collapse=False).source
    assert "<B>fc3.weight</B>" in nocollapse and "same layer" not in nocollapse
    assert len(src) < 40_000


@needs_dot
def test_mlp_graph_renders(tmp_path):
    model = _FakeMLP([48, 16, 16, 16, 16, 16, 3])
    loss = F.cross_entropy(model(cr.randn(8, 48)), np.arange(8) % 3)
    out = graph(loss, module=model).render(tmp_path / "mlp.svg")
    assert out.read_text().lstrip().startswith(("<?xml", "<svg"))


@needs_dot
def test_render_svg_png(tmp_path):
    *_, f = lecture_example()
    g = graph(f)
    svg = g.render(tmp_path / "f.svg")
    text = svg.read_text()
    assert "<svg" in text and "swap multiplier" in text
    png = g.render(tmp_path / "f.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "<svg" in g._repr_svg_()
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" in bundle


def test_render_dot_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(render_mod, "DOT_PROGRAM", "no-such-dot-program-here")
    *_, f = lecture_example()
    g = graph(f)
    p = g.render(tmp_path / "f.dot")
    assert p.read_text() == g.source
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as e:
        g.render(tmp_path / "f.svg")
    assert "brew install graphviz" in str(e.value)
    assert not (tmp_path / "f.svg").exists()
    assert g._repr_svg_() is None
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].startswith("digraph") and "apt-get install graphviz" in bundle["text/plain"]
    with pytest.raises(ChainruleError, match="unknown format"):
        g.render(tmp_path / "f.bmp")


def test_a_custom_function_draws_with_its_gradient():
    class Cube(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g
    x = scalar(2.0, "x")
    f = Cube.apply(x)
    f.name = "f"
    g = graph(f)
    assert g.value("x").grad.item() == 12.0
    assert explain(f)
