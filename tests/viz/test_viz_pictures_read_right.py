"""The pictures say what they mean: read from the drawn matplotlib artists and the DOT text, not only "a PNG exists"."""
import re

import numpy as np
import pytest

import chainrule as cr

pytest.importorskip("matplotlib")
from chainrule.viz import plots  # noqa: E402


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plot functions save, in order (each drawn, so artists have their final extents)."""
    figures = []
    save = plots.save_figure

    def keep(fig, path):
        out = save(fig, path)
        figures.append(fig)
        return out
    monkeypatch.setattr(plots, "save_figure", keep)
    return figures


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_curves_best_mark_stays_inside_its_axes_and_off_the_title(tmp_path, drawn):
    val = [0.30, 0.50, 0.70, 0.60, 0.55]        # the best epoch in the middle, at the top of the axes
    history = [{"epoch": e, "train_loss": 2.3 / e, "val_loss": 2.4 / e, "train_acc": 0.25 + 0.05 * e,
                "val_acc": v} for e, v in enumerate(val, 1)]
    plots.plot_curves(history, tmp_path / "c.png", title="short run")
    (fig,) = drawn
    renderer = fig.canvas.get_renderer()
    acc = next(ax for ax in fig.axes if ax.get_title() == "acc")
    from matplotlib.text import Text
    texts = [t for t in fig.findobj(Text) if "best" in t.get_text()]
    assert texts, "the best validation accuracy is named somewhere"
    title, inside = acc.title.get_window_extent(renderer), acc.get_window_extent(renderer)
    for t in texts:
        box = t.get_window_extent(renderer)
        assert not _overlap(box, title), f"{t.get_text()!r} covers the title"
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
    assert any("0.700" in t.get_text() and "epoch 3" in t.get_text() for t in acc.get_legend().get_texts())


@pytest.mark.parametrize("epochs", [2, 3, 4, 5])
def test_curves_short_runs_get_whole_epoch_ticks(tmp_path, drawn, epochs):
    history = [{"epoch": e, "train_loss": 1.0 / e, "val_acc": 0.1 * e} for e in range(1, epochs + 1)]
    plots.plot_curves(history, tmp_path / "c.png")
    for ax in drawn[0].axes:
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


def _spans(ax):
    """(x0, x1) of the shaded vertical bands of an axes (axvspan rectangles, x in data units)."""
    return [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches]


def test_activations_shade_dead_and_saturated_tails_not_leaky_relu_or_a_gelu_stripe(tmp_path, drawn):
    plots.plot_activations(tmp_path / "a.png", names=("sigmoid", "relu", "leaky_relu", "gelu"))
    axes = {ax.get_title(): ax for ax in drawn[0].axes if ax.get_visible()}
    assert _spans(axes["leaky_relu"]) == [], "Leaky ReLU's 0.01 slope passes gradient: not shaded as dead"
    assert any("never 0" in t.get_text() for t in axes["leaky_relu"].texts)
    (relu,) = _spans(axes["relu"])
    assert relu[0] == pytest.approx(-5) and relu[1] == pytest.approx(0, abs=0.02)
    assert axes["relu"].patches[0].get_hatch()                   # the dead side is marked differently
    assert len(_spans(axes["sigmoid"])) == 2                     # both saturated tails
    gelu = _spans(axes["gelu"])
    assert gelu and all(a == pytest.approx(-5) or b == pytest.approx(5) for a, b in gelu), gelu


def test_gradient_norms_lines_on_top_of_each_other_stay_distinguishable(tmp_path, drawn):
    same = [0.5, 1.2, 1.6, 2.5]
    plots.plot_gradient_norms({"sigmoid": [1e-5, 1e-3, 1e-2, 1], "relu": same,
                               "leaky_relu": [v * 1.001 for v in same]}, tmp_path / "g.png")
    ax = drawn[0].axes[0]
    styles = {(str(line.get_linestyle()), line.get_marker()) for line in ax.lines}
    assert len(styles) == len(ax.lines) == 3
    relu, leaky = ax.lines[1], ax.lines[2]
    assert leaky.get_zorder() > relu.get_zorder() and leaky.get_linewidth() < relu.get_linewidth()
    assert "on top of relu" in leaky.get_label()


def _legend_covers_data(fig, ax):
    renderer = fig.canvas.get_renderer()
    box = ax.get_legend().get_window_extent(renderer)
    for line in ax.lines:
        pts = ax.transData.transform(np.c_[line.get_xdata(), line.get_ydata()])
        if np.any((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1) & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)):
            return True
    return False


def test_dead_relu_legend_does_not_cover_data_and_the_axis_says_what_is_counted(tmp_path, drawn):
    steps = list(range(0, 1550, 50))
    rise = np.minimum(0.14 + np.arange(31) * 0.2, 0.95)
    curves = {"ReLU, lr 1.0: dead": [0.14] * 31, "ReLU, lr 5.0: dead": rise, "Leaky ReLU, lr 5.0: dead": [0.0] * 31,
              "Leaky ReLU, lr 5.0: inactive (alive)": np.linspace(0.14, 0.6, 31)}
    plots.plot_dead_relu(curves, tmp_path / "d.png", steps=steps, ylabel="fraction of the 100 first-layer units")
    fig = drawn[0]
    ax = fig.axes[0]
    assert not _legend_covers_data(fig, ax)
    assert "dead" not in ax.get_ylabel()


def test_the_lecture_dead_relu_picture_does_not_call_alive_units_dead(tmp_path, drawn):
    from chainrule.lecture import activations
    activations.run(tmp_path)
    dead = next(f for f in drawn if any("inactive" in t.get_text() for ax in f.axes if ax.get_legend()
                                        for t in ax.get_legend().get_texts()))
    ax = dead.axes[0]
    assert "dead" not in ax.get_ylabel().lower()
    assert not _legend_covers_data(dead, ax)


def test_jacobian_pictures_have_a_colour_scale(tmp_path, monkeypatch):
    from chainrule.lecture import jacobian
    figures = []
    save = jacobian.save_figure
    monkeypatch.setattr(jacobian, "save_figure", lambda fig, path: (figures.append(fig), save(fig, path))[1])
    rng = np.random.default_rng(0)
    small = {"shape": (2, 3, 4), "jx": rng.normal(size=(2, 4, 2, 3)), "jr": rng.normal(size=(2, 4, 2, 3)),
             "jw": rng.normal(size=(2, 4, 4, 3))}
    jacobian._plot_small(tmp_path / "j.png", small)
    bars = [ax for ax in figures[0].axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 3


# --- computational graphs -----------------------------------------------------------------------------------

def test_zero_gradient_prints_as_0_not_minus_0():
    s = cr.tensor(2.0, dtype="float64", requires_grad=True, name="s")
    hinge = cr.maximum(cr.tensor(0.0, dtype="float64"), 1.0 - s)   # s beyond the margin: zero loss, zero grad
    hinge.name = "L"
    src = cr.viz.graph(hinge).source
    assert "-0.0" not in src and "grad 0.0" in src


def test_edge_labels_use_a_times_sign_not_the_letter_x():
    x = cr.tensor(-2.0, dtype="float64", requires_grad=True, name="x")
    y = cr.tensor(5.0, dtype="float64", requires_grad=True, name="y")
    f = (x + y) * cr.tensor(-4.0, dtype="float64", requires_grad=True, name="z")
    src = cr.viz.graph(f).source
    assert "-4.0 = 1.0 \u00d7 -4.0" in src
    assert not re.search(r"\d x -?\d", src)


def test_the_copy_gate_is_drawn_as_a_fork_not_an_internal_broadcast():
    from chainrule.lecture import gates
    _, _, values, build, upstream, _ = next(g for g in gates.GATES if g[0] == "copy")
    x = cr.tensor(values["x"], dtype="float64", requires_grad=True, name="x")
    z = build({"x": x})
    z.name = "z"
    g = cr.viz.graph(z, gradient=cr.tensor(np.asarray(upstream, dtype=np.float64)), edge_labels=True)
    assert "broadcast" not in g.source
    xv = g.value("x")
    assert len(xv.consumers) == 2 and xv.is_adder
    key = xv.key
    assert len(re.findall(rf"^\s*{key} -> ", g.source, flags=re.M)) == 2     # two branches leave x
    assert "gradient adder: 4.0 + 2.0 = 6.0" in g.source
