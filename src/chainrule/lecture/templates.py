"""Lecture sections 1.1-1.2: a linear classifier learns one template per class; a 2-layer net learns H.

Two measurements:

1. Accuracy on the spiral data (3 classes no straight line separates): the linear classifier ``f = W x``
   against the 2-layer net ``f = W2 max(0, W1 x)`` with 100 hidden units.
2. Templates on images. Both models are trained on a small image set (fast mode: 10,000 Fashion-MNIST
   images when the data set is installed, else 5,000 images of CIFAR-10 (JPEG copy); ``--full``: all of CIFAR-10
   (JPEG copy)). The linear classifier's 10 rows of W are 10 templates, one blurred "average" per class;
   the 2-layer net's 100 rows of W1 are 100 templates (parts, shapes, colours), and W2 mixes them, so one
   template serves several classes (counted below).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..nn import MLP, init
from ..optim import SGD, Adam
from .common import Result, Timer, accuracy, fit, format_table, predictor, seed_everything, write_lecture_report

TOPIC = "templates"
HIDDEN = 100
TOP_K = 10  # a hidden template is "used" by a class when it is among the class's TOP_K largest W2 weights


# --- image data ----------------------------------------------------------------------------------------------

def _cifar_tar():
    """A ``cifar10*.tar`` in chainrule's data search path (`chainrule.data.search_path`), or None."""
    from ..data import search_path
    for d in search_path():
        if not d.is_dir():
            continue
        for child in sorted(Path(d).iterdir()):
            if child.name.lower().startswith(("cifar10", "cifar-10")) and child.name.lower().endswith(".tar"):
                return child
    return None


def _cifar_subset(n_train, n_test, rng):
    """``n_train`` / ``n_test`` images of CIFAR-10 (JPEG copy), balanced over classes, decoded from the tar."""
    from ..data import CIFAR10_CLASSES, CIFAR10_JPEG_NAME, Preprocessor, decode_images, iter_tar_files
    from ..data.images import MAX_IMAGE_BYTES
    tar = _cifar_tar()
    if tar is None:
        raise DataError("neither Fashion-MNIST nor CIFAR-10 (JPEG copy) was found; install Fashion-MNIST "
                        "(apt-get install dataset-fashion-mnist) or put cifar10-jpeg.tar in ./data or $CHAINRULE_DATA.")
    pattern = re.compile(r"(?:^|/)(train|test)/([^/]+)/(\d+)\.jpe?g$", re.IGNORECASE)
    per_class = {"train": n_train // 10, "test": n_test // 10}
    keep = {s: {c: set(rng.choice(5000 if s == "train" else 1000, per_class[s], replace=False).tolist())
                for c in CIFAR10_CLASSES} for s in per_class}
    chosen = {"train": [], "test": []}

    def wanted(rel):
        m = pattern.search(rel)
        return bool(m) and m.group(2) in keep[m.group(1)] and int(m.group(3)) in keep[m.group(1)][m.group(2)]

    items = []
    for rel, data in iter_tar_files(tar, wanted, max_size=MAX_IMAGE_BYTES, what="an image file"):
        m = pattern.search(rel)
        chosen[m.group(1)].append(len(items))
        items.append((rel, data, m.group(1), CIFAR10_CLASSES.index(m.group(2))))
    images = decode_images(((rel, data) for rel, data, _, _ in items), workers=1)
    labels = np.array([c for _, _, _, c in items])
    tr, te = np.array(chosen["train"]), np.array(chosen["test"])
    pre = Preprocessor("per_channel").fit(images[tr])
    return (pre.transform(images[tr]), labels[tr], pre.transform(images[te]), labels[te], list(CIFAR10_CLASSES),
            (32, 32, 3), CIFAR10_JPEG_NAME)


def _image_data(fast: bool, rng):
    """(Xtr, ytr, Xte, yte, classes, image_shape (H, W, C), name) for the templates."""
    from ..data import load_dataset
    if fast:
        try:
            s = load_dataset("fashion-mnist", use_cache=False)
        except DataError:
            return _cifar_subset(5000, 1000, rng)
        tr = rng.choice(len(s.train.y), 10_000, replace=False)
        te = rng.choice(len(s.test.y), 2000, replace=False)
        return (s.train.X[tr], s.train.y[tr], s.test.X[te], s.test.y[te], s.classes, s.train.image_shape,
                "Fashion-MNIST")
    tar = _cifar_tar()
    try:
        s = load_dataset("cifar10")
    except DataError:
        if tar is None:
            raise
        s = load_dataset("cifar10", data_dir=tar.parent)
    return s.train.X, s.train.y, s.test.X, s.test.y, s.classes, s.train.image_shape, s.name


# --- models ----------------------------------------------------------------------------------------------------

def _shuffled(X, y, batch_size, rng):
    """One epoch's minibatches of ``(X, y)``, in the order of a fresh ``rng`` permutation."""
    order = rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _image_models(d, n_classes):
    """The linear classifier (zero init: its templates are purely learned) and the 2-layer net (small W1 init)."""
    linear = MLP(d, [], n_classes)
    init.zeros_(linear.linear_layers[0].weight)
    init.zeros_(linear.linear_layers[0].bias)
    net = MLP(d, [HIDDEN], n_classes)
    init.normal_(net.linear_layers[0].weight, 0.0, 1e-2)
    init.zeros_(net.linear_layers[0].bias)
    return linear, net


def shared_templates(w2: np.ndarray, top_k: int = TOP_K) -> tuple:
    """How many hidden templates are among the ``top_k`` largest second-layer weights of 2+ classes."""
    top = np.argsort(-w2, axis=1)[:, :top_k]               # (C, top_k) hidden units each class leans on most
    counts = np.bincount(top.reshape(-1), minlength=w2.shape[1])
    return int(np.sum(counts >= 2)), int(np.sum(counts >= 1)), counts


def run(out_dir, fast: bool = True, seed: int = 0) -> Result:
    """Linear vs 2-layer accuracy (spiral and images) and the two models' templates."""
    from ..data import load_dataset
    from ..viz.plots import plot_decision_boundaries, plot_templates_comparison
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(seed)
    steps = 1000 if fast else 3000
    epochs, batch = (5, 100) if fast else (10, 200)
    # one sound recipe per model: SGD + momentum and L2 for the (convex) linear classifier, which keeps its
    # templates smooth and is more accurate than Adam here; Adam for the 2-layer net
    recipes = {"linear": dict(optimizer="sgd", lr=3e-3 if fast else 1e-3, l2=1e-2),
               "net": dict(optimizer="adam", lr=1e-3, l2=1e-3)}
    with Timer() as timer:
        spiral = load_dataset("spiral", seed=seed)
        Xs, ys, Xsv, ysv = spiral.train.X, spiral.train.y, spiral.val.X, spiral.val.y
        lin_s, net_s = MLP(2, [], 3), MLP(2, [HIDDEN], 3)
        for m in (lin_s, net_s):
            fit(m, Adam(m.parameters(), lr=1e-2), [(Xs, ys)], epochs=steps)
        spiral_rows = [["spiral", "linear  f = W x", lin_s.num_parameters(), accuracy(lin_s, Xs, ys),
                        accuracy(lin_s, Xsv, ysv)],
                       ["spiral", f"2-layer  f = W2 max(0, W1 x), H={HIDDEN}", net_s.num_parameters(),
                        accuracy(net_s, Xs, ys), accuracy(net_s, Xsv, ysv)]]

        Xtr, ytr, Xte, yte, classes, image_shape, data_name = _image_data(fast, rng)
        lin_i, net_i = _image_models(Xtr.shape[1], len(classes))
        for m, recipe in ((lin_i, recipes["linear"]), (net_i, recipes["net"])):
            opt = (SGD(m.parameters(), lr=recipe["lr"], momentum=0.9) if recipe["optimizer"] == "sgd"
                   else Adam(m.parameters(), lr=recipe["lr"]))
            fit(m, opt, lambda epoch: _shuffled(Xtr, ytr, batch, rng), epochs=epochs, reg=recipe["l2"])
        image_rows = [[data_name, "linear  f = W x", lin_i.num_parameters(), accuracy(lin_i, Xtr, ytr),
                       accuracy(lin_i, Xte, yte)],
                      [data_name, f"2-layer, H={HIDDEN}", net_i.num_parameters(), accuracy(net_i, Xtr, ytr),
                       accuracy(net_i, Xte, yte)]]
        w2 = net_i.linear_layers[1].weight.data
        n_shared, n_used, counts = shared_templates(w2)

    result = Result(TOPIC, "Why more layers: 10 templates vs 100", "1.1-1.2",
                    "A linear classifier learns one template per class; a 2-layer net learns H templates that the "
                    "classes share, and is more accurate.",
                    config={"spiral": f"3 classes, {len(ys)} train / {len(ysv)} validation points, Adam lr 0.01, "
                                      f"{steps} full-batch steps",
                            "images": f"{data_name}: {len(ytr):,} train / {len(yte):,} test images "
                                      f"{'x'.join(map(str, image_shape))}",
                            "image training, linear": "SGD momentum 0.9, lr {lr}, L2 {l2}".format(**recipes["linear"])
                                                      + f", {epochs} epochs, batch {batch}",
                            "image training, 2-layer": "Adam lr {lr}, L2 {l2}".format(**recipes["net"])
                                                       + f", {epochs} epochs, batch {batch}",
                            "hidden units H": HIDDEN, "seed": seed, "fast": fast})
    header = ["data", "model", "params", "train acc", "test/val acc"]
    rows = spiral_rows + image_rows
    result.numbers = {
        "spiral_linear_val_acc": spiral_rows[0][4], "spiral_net_val_acc": spiral_rows[1][4],
        "spiral_linear_train_acc": spiral_rows[0][3], "spiral_net_train_acc": spiral_rows[1][3],
        "images": data_name, "image_linear_test_acc": image_rows[0][4], "image_net_test_acc": image_rows[1][4],
        "linear_templates": int(lin_i.linear_layers[0].weight.shape[0]),
        "net_templates": int(net_i.linear_layers[0].weight.shape[0]),
        "templates_shared_by_2plus_classes": n_shared, "templates_used": n_used,
    }
    result.checks = {
        "on the spiral the 2-layer net beats the linear classifier by over 30 points (validation)":
            spiral_rows[1][4] >= spiral_rows[0][4] + 0.3,
        f"on {data_name} the 2-layer net is at least as accurate as the linear classifier (test)":
            image_rows[1][4] >= image_rows[0][4],
        f"the linear classifier has {len(classes)} templates, the 2-layer net {HIDDEN}":
            result.numbers["linear_templates"] == len(classes) and result.numbers["net_templates"] == HIDDEN,
        f"some hidden templates serve several classes (among the top {TOP_K} W2 weights of 2+ classes)":
            n_shared > 0,
    }
    tpl = plot_templates_comparison(lin_i.linear_layers[0].weight.data, net_i.linear_layers[0].weight.data,
                                    out_dir / "templates_grid.png", class_names=classes, image_shape=image_shape,
                                    max_hidden=HIDDEN, title=f"{data_name}: first-layer weights as images")
    bound = plot_decision_boundaries([("linear classifier", predictor(lin_s)),
                                      (f"2-layer net, H={HIDDEN}", predictor(net_s))], Xs, ys,
                                     out_dir / "templates_spiral.png", ncols=2, resolution=120,
                                     title="spiral: one linear map vs a hidden layer")
    result.pictures = [tpl, bound]
    result.seconds = timer.seconds
    top = ", ".join(f"{classes[c]}: {', '.join(str(h) for h in np.argsort(-w2[c])[:3])}"
                    for c in range(min(3, len(classes))))
    result.table = (format_table(header, rows) +
                    f"\n\ntemplates: linear classifier {result.numbers['linear_templates']} (one per class), "
                    f"2-layer net {result.numbers['net_templates']} (W1's rows)\n"
                    f"{n_shared} of the {HIDDEN} hidden templates are among the {TOP_K} strongest of two or more "
                    f"classes ({n_used} are among some class's {TOP_K}); strongest units per class: {top}, ...")
    result.report = write_lecture_report(
        result, out_dir,
        explanation=[
            "A linear classifier f = W x scores each class with one row of W, one template per class. Every "
            "image of a class pulls on that single template, so it becomes a blurred average of the class "
            "(the lecture's \"ghost car\"): look at the linear classifier's tiles below.",
            f"A 2-layer net f = W2 max(0, W1 x) has {HIDDEN} rows in W1: {HIDDEN} templates. They need not be "
            "whole objects; they can be parts and shapes, and the second layer W2 combines them, so one "
            f"template can serve several classes (distributed representation). Here {n_shared} of the "
            f"{HIDDEN} hidden templates are among the {TOP_K} strongest weights of two or more classes.",
            "The extra templates, and the non-linearity between the layers, make the net more accurate: far "
            "more on the spiral, which no linear classifier can separate, and somewhat more on images."],
        quote="Thay vì bị giới hạn ở 10 khuôn mẫu (tương ứng 10 class đầu ra), nếu lớp ẩn có 100 nơ-ron, mạng có "
              "thể học tới 100 khuôn mẫu (templates) khác nhau.",
        tables=[("Accuracy", header, rows)],
        images=[(tpl, f"left: the linear classifier's {len(classes)} templates; right: the 2-layer net's "
                      f"{HIDDEN} first-layer templates ({data_name}; each tile min-max scaled)"),
                (bound, "decision boundaries on the spiral")])
    return result
