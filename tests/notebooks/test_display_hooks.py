"""What a notebook shows: Graph SVG / mime bundle, Tensor and Module HTML, LiveCurves redrawn in place."""
from __future__ import annotations

import html
import re
import shutil

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from chainrule.viz import live as live_mod

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def lecture_graph():
    x = cr.tensor(-2.0, requires_grad=True, name="x")
    y = cr.tensor(5.0, requires_grad=True, name="y")
    z = cr.tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return cr.viz.graph(f, title="f = (x + y) z")


# --- computational graphs -------------------------------------------------------------------------------

@needs_dot
def test_graph_svg_and_mimebundle_hold_the_lecture_labels():
    g = lecture_graph()
    svg = g._repr_svg_()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    text = html.unescape(re.sub(r"<[^>]+>", " ", svg))          # the text drawn in the picture
    for label in ("x", "y", "z", "q", "f", "add", "mul", "gradient distributor", "swap multiplier",
                  "grad -4.0", "grad 3.0", "-12.0", "f = (x + y) z"):
        assert label in text, label
    bundle = g._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg
    assert bundle["text/plain"] == repr(g) and "5 values, 2 ops" in bundle["text/plain"]


def test_graph_without_dot_shows_its_dot_text_and_how_to_install(monkeypatch):
    from chainrule.viz.compgraph import render as dot_mod
    monkeypatch.setattr(dot_mod, "DOT_PROGRAM", "surely-not-a-graphviz-binary")
    g = lecture_graph()
    assert g._repr_svg_() is None
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "gradient distributor" in bundle["text/plain"] and "graphviz" in bundle["text/plain"].lower()


# --- tensors and modules --------------------------------------------------------------------------------

def test_tensor_html_shows_name_shape_dtype_grad_fn_and_gradient():
    x = cr.tensor([[1.0, -2.0, 3.0]], requires_grad=True, name="x<in>")
    y = (x * 2.0).sum()
    y.backward()
    leaf, out = x._repr_html_(), y._repr_html_()
    assert "x&lt;in&gt;" in leaf and "<in>" not in leaf                    # the name is escaped
    assert "shape (1, 3)" in leaf and "float32" in leaf and "leaf, requires_grad" in leaf
    assert "|grad| 3.464" in leaf                                         # ||[2, 2, 2]||
    assert "grad_fn sum" in out


def test_module_html_is_a_nested_tree_with_parameter_counts():
    model = cr.nn.MLP(3072, [100], 10)
    page = model._repr_html_()
    assert page.count("<details") == 1                                      # one container, three leaves
    assert "MLP()" in page and "308,310 params" in page
    assert "<b>0</b>: Linear(in_features=3072, out_features=100, bias=True)" in page
    assert "307,300 params" in page and "weight (100, 3072), bias (100,)" in page
    assert "<b>1</b>: ReLU()" in page
    assert "1,010 params" in page and "weight (10, 100), bias (10,)" in page
    assert "308,310 parameters in all" in page and "frozen" not in page
    assert page.index("307,300") < page.index("ReLU()") < page.index("1,010")   # children in order


class Tricky(cr.nn.Module):
    """A nested module whose repr text needs escaping, with a shared and a frozen part."""

    def __init__(self):
        super().__init__()
        self.encoder = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.Tanh())
        self.head = cr.nn.Linear(3, 2)
        self.frozen = cr.nn.Linear(2, 2, bias=False)
        self.frozen.requires_grad_(False)

    def extra_repr(self):
        return "note=<b>&"


def test_module_html_escapes_text_and_counts_nested_and_frozen_parameters():
    page = Tricky()._repr_html_()
    assert "note=&lt;b&gt;&amp;" in page and "note=<b>&" not in page
    assert page.count("<details") == 2                                      # Tricky and its Sequential
    assert "<b>encoder</b>: Sequential()" in page and "15 params" in page   # 4*3 + 3, counted on the container
    assert "<b>head</b>: Linear(in_features=3, out_features=2, bias=True)" in page and "8 params" in page
    assert "<b>frozen</b>" in page and "weight (2, 2)" in page
    assert "27 parameters in all, 4 frozen" in page
    assert "<b>1</b>: Tanh()" in page


# --- live curves ----------------------------------------------------------------------------------------

class FakeHandle:
    def __init__(self, log):
        self.log = log

    def update(self, obj):
        self.log.append(("update", obj))


@pytest.fixture
def fake_display(monkeypatch):
    """Replace IPython's display with a recorder that hands out display handles."""
    import IPython.display
    log = []

    def display(obj, display_id=None):
        log.append(("display", obj, display_id))
        return FakeHandle(log)

    monkeypatch.setattr(IPython.display, "display", display)
    return log


def test_live_curves_display_once_then_update_in_place(fake_display):
    curves = cr.viz.LiveCurves(show=True, min_interval=0.0, steps_per_epoch=2, title="run")
    curves.update(epoch=1, train_loss=2.0, val_loss=2.1, train_acc=0.2, val_acc=0.18)
    curves.step(loss=1.8)
    curves.update({"epoch": 2, "train_loss": 1.5, "val_loss": 1.7, "train_acc": 0.4, "val_acc": 0.3})
    curves.close()
    kinds = [entry[0] for entry in fake_display]
    assert kinds[0] == "display" and fake_display[0][2] is True             # display_id=True: a handle
    assert kinds.count("display") == 1 and kinds.count("update") >= 1       # later pictures replace it
    image = fake_display[-1][1]
    assert image.format == "png" and image.data.startswith(b"\x89PNG")
    assert curves.redraws == len(fake_display)
    assert [r["epoch"] for r in curves.history] == [1, 2]
    assert curves.steps == [(0.5, {"loss": 1.8})]


def test_live_curves_throttle_step_redraws(fake_display, monkeypatch):
    now = [100.0]
    monkeypatch.setattr(live_mod.time, "monotonic", lambda: now[0])
    curves = cr.viz.LiveCurves(show=True, min_interval=1.0, steps_per_epoch=100)
    for _ in range(50):                         # 50 steps within 0.5 s: one drawing (the first)
        curves.step(loss=1.0)
        now[0] += 0.01
    assert curves.redraws == 1
    now[0] += 1.0
    curves.step(loss=0.9)
    assert curves.redraws == 2
    curves.step(loss=0.8)                       # not drawn yet ...
    assert curves.redraws == 2
    curves.close()                              # ... but close() draws what is pending
    assert curves.redraws == 3
    curves.close()                              # nothing new: no redraw
    assert curves.redraws == 3


def test_live_curves_outside_a_notebook_keep_numbers_and_draw_on_request(tmp_path):
    assert not live_mod.in_notebook()
    curves = cr.viz.LiveCurves(steps_per_epoch=4)
    assert curves.show is False
    for epoch in (1, 2, 3):
        for _ in range(4):
            curves.step(loss=3.0 / epoch, acc=0.1 * epoch)
        curves.update(epoch=epoch, loss=2.5 / epoch, val_loss=2.7 / epoch, acc=0.1 * epoch, val_acc=0.09 * epoch)
    curves.close()
    assert curves.redraws == 0
    assert curves.steps[-1][0] == pytest.approx(3.0)
    fig = curves.figure()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "acc"]
    loss_lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(loss_lines) == {"train (per step)", "train", "val"}
    np.testing.assert_allclose(loss_lines["val"].get_ydata(), [2.7, 1.35, 0.9])
    assert curves._headline().startswith("epoch 3: ")
    assert curves.png().startswith(b"\x89PNG") and curves._repr_png_().startswith(b"\x89PNG")
    assert curves.save(tmp_path / "curves.png").stat().st_size > 1000


def test_live_curves_as_a_trainer_callback():
    curves = cr.viz.LiveCurves(metrics=("loss",))
    curves({"epoch": 1, "train_loss": 1.0})                 # callback(record)
    curves(object(), {"epoch": 2, "train_loss": 0.5})       # callback(trainer, record)
    curves(train_loss=0.25)                                  # keywords; the epoch is numbered
    assert [r["epoch"] for r in curves.history] == [1, 2, 3]
    with pytest.raises(TypeError):
        curves(object(), "not a record")


def test_live_curves_reject_bad_settings():
    with pytest.raises(ConfigError):
        cr.viz.LiveCurves(metrics=())
    with pytest.raises(ConfigError):
        cr.viz.LiveCurves(steps_per_epoch=0)
    with pytest.raises(ConfigError, match="steps_per_epoch"):
        cr.viz.LiveCurves().step(loss=1.0)
    curves = cr.viz.LiveCurves()
    curves.step(loss=1.0, epoch=0.25)                       # an explicit position needs no steps_per_epoch
    curves.step(loss=float("nan"), epoch=0.5)               # non-finite values are dropped, not plotted
    assert curves.steps == [(0.25, {"loss": 1.0}), (0.5, {})]
