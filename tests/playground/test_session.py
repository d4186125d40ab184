"""The playground's session from the user's side: settings, seeds, controls, CSV, pictures, exported code."""
import base64
import contextlib
import io
import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError, DataError
from chainrule.playground import Config, Session
from chainrule.playground import export, inspect
from chainrule.playground.data import parse_csv


def test_defaults_are_the_lectures_two_layer_net_on_the_spiral():
    c = Config()
    assert (c.dataset, c.hidden, c.activation, c.problem) == ("spiral", [32], "relu", "classification")


def test_config_parses_url_strings():
    c = Config.from_dict({"hidden": "8,8", "lr": "0.03", "features": "x1,x2,x1sq", "points": "200", "lam": "0"})
    assert c.hidden == [8, 8] and c.lr == 0.03 and c.features == ["x1", "x2", "x1sq"] and c.points == 200
    assert Config.from_dict({"hidden": ""}).hidden == []


@pytest.mark.parametrize("changes, words", [
    ({"hidden": [8] * 7}, "at most 6 hidden layers"),
    ({"hidden": [129]}, "outside 1..128"),
    ({"hidden": [0]}, "outside 1..128"),
    ({"activation": "swish"}, "not one of"),
    ({"lr": 0}, "lr"),
    ({"lr": "fast"}, "expected a number"),
    ({"batch_size": 2.5}, "expected an integer"),
    ({"features": []}, "at least one"),
    ({"features": ["x3"]}, "not one of"),
    ({"dataset": "plane"}, "for classification"),
    ({"optimizer": "rmsprop"}, "not one of"),
    ({"dropout": 1.0}, "outside"),
    ({"colour": "red"}, "Unknown setting 'colour'"),
    ({"noise": float("nan")}, "NaN"),
])
def test_bad_settings_are_refused_in_one_sentence(changes, words):
    with pytest.raises(ConfigError, match=words) as e:
        Config.from_dict(changes)
    assert "\n" not in str(e.value)


def test_same_seed_same_run_other_seed_other_run():
    a, b, c = Session({"seed": 3}), Session({"seed": 3}), Session({"seed": 4})
    for s in (a, b, c):
        s.step(20)
    assert a.history[-1] == b.history[-1]
    assert a.history[-1]["train_loss"] != c.history[-1]["train_loss"]


def test_lecture_claims_spiral_two_layer_succeeds_linear_fails():
    deep, linear = Session({"hidden": [32]}), Session({"hidden": []})
    deep.step(1500)
    linear.step(1500)
    assert deep.history[-1]["train_acc"] > 0.95
    assert linear.history[-1]["train_acc"] < 0.6


def test_controls_change_the_model():
    s = Session({"hidden": [8, 8]})
    assert [m.out_features for m in s.model.linear_layers] == [8, 8, 3]
    s.configure({"hidden": [4], "features": ["x1", "x2", "x1x2"]})
    assert [m.in_features for m in s.model.linear_layers] == [3, 4]
    s.configure({"activation": "tanh"})
    assert type(s.model[1]).__name__ == "Tanh"
    s.configure({"activation": "linear"})
    assert not any(type(m).__name__ == "Tanh" for m in s.model)
    s.configure({"dropout": 0.5, "activation": "relu"})
    assert any(type(m).__name__ == "Dropout" for m in s.model)
    s.configure({"optimizer": "nesterov", "lr": 0.5})
    assert type(s.optimizer).__name__ == "SGD" and s.optimizer.param_groups[0]["nesterov"]
    assert s.optimizer.param_groups[0]["lr"] == 0.5
    s.configure({"dataset": "circles"})
    assert s.n_classes == 2 and s.model.linear_layers[-1].out_features == 2
    s.configure({"problem": "regression", "dataset": "plane"})
    assert s.model.linear_layers[-1].out_features == 1 and s.y.dtype == np.float32


def test_lr_change_keeps_weights_dataset_change_resets_them():
    s = Session()
    s.step(5)
    w = s.model.linear_layers[0].weight.data.copy()
    s.configure({"lr": 0.001})
    assert s.step_count == 5 and np.array_equal(w, s.model.linear_layers[0].weight.data)
    assert s.changed_mid_run
    s.configure({"noise": 0.2})
    assert s.step_count == 0


def test_l2_shrinks_weights_and_l1_makes_them_sparse():
    plain, l2, l1 = (Session({"hidden": [16], "regularization": r, "lam": lam})
                     for r, lam in (("none", 0), ("l2", 0.05), ("l1", 0.02)))
    for s in (plain, l2, l1):
        s.step(300)
    norm = lambda s: sum(float((m.weight.data ** 2).sum()) for m in s.model.linear_layers)
    small = lambda s: float(np.mean(np.abs(s.model.linear_layers[0].weight.data) < 1e-2))
    assert norm(l2) < 0.5 * norm(plain)
    assert small(l1) > small(plain)


def test_regression_trains():
    s = Session({"problem": "regression", "dataset": "bumps", "hidden": [16, 16]})
    first = s.history[-1]["train_loss"]
    s.step(500)
    assert s.history[-1]["train_loss"] < 0.5 * first and s.history[-1]["train_acc"] is None
    assert "value" in s.frame()["boundary"]


def test_drawn_points_become_a_custom_data_set():
    s = Session()
    n = len(s.X)
    s.add_point(0.5, -0.5, 1)
    assert s.config.dataset == "custom" and len(s.X) == n + 1 and s.y[-1] == 1
    s.clear_points()
    assert len(s.X) == 0
    with pytest.raises(DataError, match="no training points"):
        s.step()
    for i in range(6):
        s.add_point(i / 6, 0.1 * i, i % 2)
    s.step(3)
    with pytest.raises(ConfigError, match="0 to 9"):
        s.add_point(0, 0, 12)


def test_csv_upload():
    s = Session()
    assert s.load_csv("x1,x2,label\n0,0,0\n1,1,1\n0.5,0.2,1\n") == 3
    assert s.config.dataset == "custom" and s.y.tolist() == [0, 1, 1]


@pytest.mark.parametrize("text, words", [
    ("0,0,0\n1,1\n", "Row 2: expected 3 values"),
    ("x1,x2,label\n0,0,0\n1,abc,1\n", "Row 3: 'abc' is not a number"),
    ("0,0,0\n1,1,1.5\n", "Row 2: the label must be a class number 0 to 9"),
    ("0,0,0\n1,nan,1\n", "Row 2: values must be finite"),
    ("0,0,0\n5000,1,1\n", "Row 2: x1 and x2 must be within"),
    ("x1,x2,label\n", "no data rows"),
    ("0,0,0\n" * 2001, "Row 2001: the file has more than 2000 rows"),
    ("1" * 300_000, "larger than 256 KiB"),
])
def test_csv_bad_rows_are_named(text, words):
    with pytest.raises(DataError, match=words) as e:
        parse_csv(text)
    assert "\n" not in str(e.value)


def test_frame_arrays_are_compact_and_decode():
    s = Session({"hidden": [8, 8], "classes": 2})
    f = s.frame()
    cls = np.frombuffer(base64.b64decode(f["boundary"]["cls"]), np.uint8)
    assert cls.size == 100 * 100 and set(cls) <= {0, 1}
    assert len(f["units"]) == 2 and len(f["units"][0]) == 8
    assert np.frombuffer(base64.b64decode(f["units"][0][0]["map"]), np.uint8).size == f["unit_grid"] ** 2
    assert len(f["weights"]) == 3 and np.shape(f["weights"][1]) == (8, 8)
    before = f["boundary"]["cls"]
    s.step(200)
    assert s.frame()["boundary"]["cls"] != before


def test_dead_relus_after_a_huge_learning_rate():
    s = Session({"hidden": [32, 32], "optimizer": "sgd", "lr": 8.0})
    s.step(50)
    assert max(layer["dead"] for layer in s.health()) > 0.2
    leaky = Session({"hidden": [32, 32], "optimizer": "sgd", "lr": 8.0, "activation": "leaky_relu"})
    leaky.step(50)
    assert all(layer["dead"] == 0 for layer in leaky.health())


def test_deep_sigmoid_gradients_vanish_in_the_first_layers():
    s = Session({"hidden": [16] * 6, "activation": "sigmoid", "optimizer": "sgd", "lr": 0.1})
    s.step(1)
    assert s.grad_norms[0] < 1e-2 * s.grad_norms[-1]


def test_backprop_of_one_point_matches_cr_grad():
    s = Session({"hidden": [4], "classes": 2, "dataset": "xor"})
    s.step(20)
    i = int(s.train_idx[0])
    bp = inspect.backprop(s, i)
    assert [st["op"] for st in bp["forward"]] == ["linear", "relu", "linear", "cross_entropy"]
    assert bp["forward"][1]["role"] == "gradient router"
    assert [st["output"]["name"] for st in bp["forward"]] == ["linear1", "relu1", "linear2", "loss"]
    assert bp["forward"][1]["inputs"][0]["name"] == "linear1"
    x = cr.tensor(s.F[i:i + 1], requires_grad=True)
    s.model.eval()
    loss = cr.nn.functional.cross_entropy(s.model(x), s.y[i:i + 1])
    W1 = s.model.linear_layers[0].weight
    gx, gW1 = cr.grad(loss, [x, W1])
    s.model.train()
    first = bp["forward"][0]
    got = {d["name"]: d["values"] for d in first["downstream"]}
    assert np.allclose(got["x"], gx.data.ravel(), rtol=1e-5, atol=1e-7)
    assert np.allclose(got["0.weight"], gW1.data.ravel(), rtol=1e-5, atol=1e-7)
    assert bp["loss"] == pytest.approx(float(loss.item()))
    relu = bp["forward"][1]                        # downstream = local x upstream, elementwise
    assert np.allclose(relu["downstream"][0]["values"],
                       np.multiply(relu["local"]["values"], relu["upstream"]["values"]))


def test_gradcheck_reports_small_errors_and_the_cost():
    s = Session({"hidden": [8], "classes": 2, "dataset": "moons", "activation": "tanh"})
    s.step(10)
    g = inspect.gradcheck(s)
    assert g["max_rel_error"] < 1e-5
    assert g["parameters"] == 8 * 2 + 8 + 2 * 8 + 2 and g["full_forward_passes"] == 2 * g["parameters"]


def test_gradcheck_does_not_move_the_run():
    a, b = Session({"dropout": 0.3}), Session({"dropout": 0.3})
    a.step(5)
    b.step(5)
    inspect.gradcheck(a, int(a.train_idx[0]))
    a.step(5)
    b.step(5)
    assert a.history[-1] == b.history[-1]


def test_explain_expression_is_the_cli_explain():
    out = inspect.explain_expression("(x + y) * z", "x=-2,y=5,z=-4")
    assert out["value"] == -12.0
    assert out["lines"] == cr.viz.explain("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0})


@pytest.mark.parametrize("cfg", [
    {"hidden": [16, 16], "optimizer": "momentum", "lr": 0.1, "batch_size": 16, "regularization": "l2", "lam": 1e-3},
    {"dataset": "gaussian", "features": ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2"], "dropout": 0.2,
     "regularization": "l1", "lam": 1e-3, "activation": "tanh"},
    {"dataset": "circles", "optimizer": "nesterov", "lr": 0.05, "hidden": [], "features": ["x1sq", "x2sq"]},
    {"problem": "regression", "dataset": "bumps", "hidden": [8], "activation": "gelu"},
])
def test_exported_code_reproduces_the_run(cfg):
    s = Session(cfg)
    s.step(60)
    code = export.code(s)
    scope = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "playground.py", "exec"), scope)
    if s.config.problem == "classification":
        assert scope["train_acc"] == s.history[-1]["train_acc"]
        assert scope["test_acc"] == s.history[-1]["test_acc"]
    else:
        assert scope["train_loss"] == pytest.approx(s.history[-1]["train_loss"], rel=1e-6)
    assert np.array_equal(scope["model"].linear_layers[0].weight.data, s.model.linear_layers[0].weight.data)


def test_exported_code_reproduces_drawn_points():
    s = Session()
    s.clear_points()
    for i in range(10):
        s.add_point(np.cos(i), np.sin(i), i % 3)
    s.step(30)
    scope = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(export.code(s), scope)
    assert scope["train_acc"] == s.history[-1]["train_acc"]


def test_a_diverged_run_still_draws(recwarn):
    from chainrule.web import dumps
    s = Session({"hidden": [8]})
    s.model.linear_layers[0].weight.data[:] = np.nan          # what a learning rate far too high leaves
    s.step(1)
    frame = json.loads(dumps(s.frame()))
    assert frame["metrics"]["train_loss"] is None
    assert np.frombuffer(base64.b64decode(frame["boundary"]["conf"]), np.uint8).size == 100 * 100
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
