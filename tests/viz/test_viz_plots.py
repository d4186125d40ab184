"""Every plot function writes a non-empty PNG or SVG; derivative and template helpers are right."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ChainruleError

pytest.importorskip("matplotlib")
from chainrule.viz import plots  # noqa: E402


def is_image(path):
    data = path.read_bytes()
    return len(data) > 1000 and (data.startswith(b"\x89PNG") or b"<svg" in data[:2000])


@pytest.fixture
def history():
    return [{"epoch": e, "train_loss": 2.3 / e, "val_loss": 2.4 / e + 0.01 * e, "train_acc": 0.1 * e,
             "val_acc": 0.08 * e, "lr": 1e-3} for e in range(1, 8)]


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_curves(tmp_path, history, ext):
    p = plots.plot_curves(history, tmp_path / f"curves.{ext}", title="2-layer net")
    assert p == tmp_path / f"curves.{ext}" and is_image(p)


def test_curves_keras_style_and_gaps(tmp_path):
    h = [{"loss": 1.0, "val_loss": None, "acc": 0.5}, {"loss": 0.5, "val_loss": 0.7, "acc": 0.7}]
    assert is_image(plots.plot_curves(h, tmp_path / "k.png"))
    with pytest.raises(ChainruleError):
        plots.plot_curves([], tmp_path / "e.png")
    with pytest.raises(ChainruleError, match=".png"):
        plots.plot_curves(h, tmp_path / "bad.txt")


def test_templates_grid_scaling_and_shapes():
    w = np.random.randn(10, 3072)
    grid = plots.templates_grid(w)
    assert grid.shape == (3 * 33 - 1, 4 * 33 - 1, 3)  # 10 tiles: 4 columns, 3 rows
    tile = grid[:32, :32]
    assert tile.min() == pytest.approx(0) and tile.max() == pytest.approx(1)
    assert plots.templates_grid(np.random.randn(784, 6)).shape == (2 * 29 - 1, 3 * 29 - 1)  # (D, H) transposed
    with pytest.raises(ChainruleError):
        plots.templates_grid(np.random.randn(5, 1000))


def test_templates(tmp_path):
    w = cr.randn(100, 3072)
    assert is_image(plots.plot_templates(w, tmp_path / "t.png"))
    assert is_image(plots.plot_templates(np.random.randn(16, 784), tmp_path / "m.svg"))
    names = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    assert is_image(plots.plot_templates(np.random.randn(10, 3072), tmp_path / "l.png", class_names=names))
    p = plots.plot_templates_comparison(np.random.randn(10, 3072), np.random.randn(50, 3072), tmp_path / "c.png",
                                        class_names=names)
    assert is_image(p)


def test_decision_boundaries(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    w = cr.tensor(rng.normal(size=(2, 3)).astype(np.float32))

    def predict(pts):  # chainrule scores (N, 3)
        return cr.tensor(pts) @ w

    assert is_image(plots.plot_decision_boundary(predict, X, y, tmp_path / "d.png", title="linear"))
    panels = {"xor": lambda p: p[:, 0] * p[:, 1], "x0": lambda p: p[:, 0], "scores": predict}
    assert is_image(plots.plot_decision_boundaries(panels, X, y, tmp_path / "ds.svg", ncols=2))
    with pytest.raises(ChainruleError):
        plots.plot_decision_boundary(predict, np.ones((5, 3)), None, tmp_path / "x.png")


def test_activation_derivatives_come_from_backward():
    f, df = plots.activation_derivatives("sigmoid", [0.0, 100.0])
    assert f[0] == pytest.approx(0.5) and df[0] == pytest.approx(0.25) and df[1] == pytest.approx(0)
    _, df = plots.activation_derivatives("relu", [-1.0, 2.0])
    assert list(df) == [0.0, 1.0]
    _, df = plots.activation_derivatives("tanh", [0.0])
    assert df[0] == pytest.approx(1.0)
    _, df = plots.activation_derivatives("leaky_relu", [-1.0])
    assert df[0] == pytest.approx(0.01)
    with pytest.raises(ChainruleError):
        plots.activation_derivatives("nope", [0.0])


def test_activations_page(tmp_path):
    assert is_image(plots.plot_activations(tmp_path / "a.png"))
    assert is_image(plots.plot_activations(tmp_path / "b.svg", names=["sigmoid", "relu"], points=101))


def test_gradient_norms_dead_relu_confusion(tmp_path):
    norms = {"sigmoid": [1e-1, 1e-3, 1e-6, 1e-9], "relu": [0.5, 0.6, 0.4, 0.5], "tanh": [0.3, 0.0, 0.01, 0.001]}
    assert is_image(plots.plot_gradient_norms(norms, tmp_path / "g.png"))
    assert is_image(plots.plot_dead_relu([0.0, 0.05, 0.2, 0.4], tmp_path / "d.png"))
    assert is_image(plots.plot_dead_relu({"fc1": [0, 0.1], "fc2": [0, 0.3]}, tmp_path / "d2.svg"))
    cm = np.random.default_rng(0).integers(0, 30, size=(10, 10))
    names = [f"class{i}" for i in range(10)]
    assert is_image(plots.plot_confusion_matrix(cm, tmp_path / "cm.png", class_names=names))
    assert is_image(plots.plot_confusion_matrix(cm, tmp_path / "cmn.svg", normalize=True))
    with pytest.raises(ChainruleError):
        plots.plot_confusion_matrix(cm, tmp_path / "x.png", class_names=names[:3])


def test_no_pyplot_state(tmp_path):
    import sys
    plots.plot_dead_relu([0.1, 0.2], tmp_path / "d.png")
    if "matplotlib.pyplot" in sys.modules:  # someone else imported it: we must not have left figures open
        import matplotlib.pyplot as plt
        assert plt.get_fignums() == []


def test_templates_read_flattened_cifar_rows_channels_last_as_the_data_layer_writes_them():
    from chainrule.viz.plots import templates_grid
    image = np.zeros((32, 32, 3))
    image[:, :16, 0] = 1.0            # left half red: HWC, as chainrule.data flattens images
    grid = templates_grid(image.reshape(1, -1))
    assert grid.shape == (32, 32, 3)
    assert grid[:, :16, 0].min() == 1.0 and grid[:, 16:, 0].max() == 0.0 and grid[..., 1:].max() == 0.0
