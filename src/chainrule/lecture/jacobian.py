"""Lecture section 4.4: vectorized backprop never builds the Jacobian.

Three measurements:

1. Memory. The Jacobian of a 4096 -> 4096 layer's output (64 x 4096) with respect to its input (64 x 4096)
   at batch 64 has (64 * 4096)^2 = 68.7 billion entries, 275 GB in float32 (the formula is checked by
   building, with ``cr.jacobian``, the Jacobian of a layer small enough to afford). The vector-Jacobian product that
   backprop computes instead is measured with ``tracemalloc`` (NumPy reports its arrays to it) for a ReLU
   layer (a diagonal Jacobian: the VJP is a mask) and a Linear layer (the VJP is ``g @ W``, plus ``g.T @ x``
   for the weights).
2. On a small layer, ``cr.jacobian`` builds J explicitly and the VJP from ``backward`` equals ``g . J``; the
   same numbers come from the lecture's shortcut, a multiplication by the transposed matrix
   (``dx = g @ W``, ``dW = g.T @ x``, ``db = sum(g)``).
3. The shape sanity check: every gradient has the shape of its variable, in a whole 2-layer net.
"""
from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import numpy as np

from ..gradcheck import jacobian
from ..nn import functional as F
from ..tensor import Tensor
from .common import Result, Timer, figure, format_table, save_figure, seed_everything, write_lecture_report

TOPIC = "jacobian"
BATCH, WIDTH = 64, 4096


def jacobian_bytes(batch: int = BATCH, d_in: int = WIDTH, d_out: int = WIDTH, itemsize: int = 4) -> int:
    """Bytes of an explicit Jacobian of a (batch, d_out) output with respect to a (batch, d_in) input."""
    return (batch * d_out) * (batch * d_in) * itemsize


def _human(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def _peak_bytes(fn) -> int:
    """Peak bytes allocated (above what was live before) while ``fn()`` runs, as tracemalloc counts them."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return int(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()


def _measure_big(rng, batch, width):
    """Peak memory of one forward + backward (the VJP) of a ReLU layer and of a Linear layer, float32."""
    x_data = rng.standard_normal((batch, width)).astype(np.float32)
    g_data = rng.standard_normal((batch, width)).astype(np.float32)
    w_data = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
    shapes = {}

    def relu_vjp():
        x = Tensor(x_data.copy(), requires_grad=True)
        x.relu().backward(Tensor(g_data))
        shapes["relu"] = (x.grad.shape, x.shape)

    def linear_vjp():
        x = Tensor(x_data.copy(), requires_grad=True)
        w = Tensor(w_data, requires_grad=True)
        F.linear(x, w).backward(Tensor(g_data))
        shapes["linear"] = (x.grad.shape, w.grad.shape)
        w.grad = None

    relu_peak = _peak_bytes(relu_vjp)
    linear_peak = _peak_bytes(linear_vjp)
    return relu_peak, linear_peak, int(w_data.nbytes), int(x_data.nbytes)


def _measured_jacobian(rng, batch, width):
    """Build a small Linear layer's Jacobian with ``cr.jacobian``: (formula bytes, measured peak, J's bytes)."""
    x = (rng.standard_normal((batch, width))).astype(np.float32)
    w = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
    out = {}

    def build():
        out["J"] = jacobian(lambda t: F.linear(t, Tensor(w)), Tensor(x.copy()))

    peak = _peak_bytes(build)
    assert out["J"].shape == (batch, width, batch, width)
    return jacobian_bytes(batch, width, width), peak, int(out["J"].nbytes)


def _small_layer(rng):
    """Explicit Jacobians of y = x @ W.T + b (and of relu(y)) next to the VJPs, float64."""
    n, d, h = 2, 3, 4
    x0 = rng.standard_normal((n, d))
    w0 = rng.standard_normal((h, d))
    b0 = rng.standard_normal(h)
    g = rng.standard_normal((n, h))
    x = Tensor(x0.copy(), requires_grad=True)
    w = Tensor(w0.copy(), requires_grad=True)
    b = Tensor(b0.copy(), requires_grad=True)
    F.linear(x, w, b).backward(Tensor(g.copy()))
    jx = jacobian(lambda t: F.linear(t, Tensor(w0), Tensor(b0)), Tensor(x0.copy()))       # (n, h, n, d)
    jw = jacobian(lambda t: F.linear(Tensor(x0), t, Tensor(b0)), Tensor(w0.copy()))       # (n, h, h, d)
    jr = jacobian(lambda t: F.linear(t, Tensor(w0), Tensor(b0)).relu(), Tensor(x0.copy()))
    gJx = np.tensordot(g, jx, axes=2)
    gJw = np.tensordot(g, jw, axes=2)
    return {
        "shape": (n, d, h), "x": x, "w": w, "b": b, "g": g, "jx": jx, "jw": jw, "jr": jr,
        "vjp_vs_gJ_x": float(np.max(np.abs(x.grad.data - gJx))),
        "vjp_vs_gJ_w": float(np.max(np.abs(w.grad.data - gJw))),
        "formula_x": float(np.max(np.abs(x.grad.data - g @ w0))),
        "formula_w": float(np.max(np.abs(w.grad.data - g.T @ x0))),
        "formula_b": float(np.max(np.abs(b.grad.data - g.sum(axis=0)))),
        "zero_fraction_x": float(np.mean(jx == 0)),
    }


def _shape_check(rng):
    """Every variable of a small 2-layer net with its gradient's shape."""
    n, d, h, c = 5, 4, 3, 2
    x = Tensor(rng.standard_normal((n, d)), requires_grad=True)
    w1 = Tensor(rng.standard_normal((h, d)), requires_grad=True)
    b1 = Tensor(rng.standard_normal(h), requires_grad=True)
    w2 = Tensor(rng.standard_normal((c, h)), requires_grad=True)
    b2 = Tensor(rng.standard_normal(c), requires_grad=True)
    hidden = F.linear(x, w1, b1).relu()
    scores = F.linear(hidden, w2, b2)
    hidden.retain_grad()
    scores.retain_grad()
    loss = F.cross_entropy(scores, rng.integers(0, c, n))
    loss.backward()
    named = [("x", x), ("W1", w1), ("b1", b1), ("h = relu(x W1^T + b1)", hidden), ("W2", w2), ("b2", b2),
             ("scores = h W2^T + b2", scores)]
    return [[name, str(t.shape), str(t.grad.shape), t.grad.shape == t.shape] for name, t in named]


def _plot_memory(path, jac, relu_peak, linear_peak, weights):
    fig = figure((7.2, 3.6))
    ax = fig.add_subplot(1, 1, 1)
    labels = ["explicit Jacobian\n(64x4096)^2 float32", "Linear layer's\nweights W", "VJP peak\nLinear 4096->4096",
              "VJP peak\nReLU 4096"]
    values = [jac, weights, linear_peak, relu_peak]
    colors = ["#c62828", "#9e9e9e", "#1f77b4", "#1a7f37"]
    bars = ax.barh(labels, values, color=colors)
    ax.set_xscale("log")
    ax.invert_yaxis()
    for bar, v in zip(bars, values):
        ax.text(v * 1.3, bar.get_y() + bar.get_height() / 2, _human(v), va="center", fontsize=9)
    ax.set_xlim(1e5, jac * 200)
    ax.set_xlabel("bytes (log scale)")
    ax.set_title("one backward step at batch 64: Jacobian vs measured VJP", fontsize=10)
    return save_figure(fig, path)


def _plot_small(path, small):
    n, d, h = small["shape"]
    fig = figure((11.5, 3.8))
    axes = fig.subplots(1, 3)
    for ax, (mat, title, xlabel) in zip(axes, [
            (small["jx"].reshape(n * h, n * d), "Linear: dy/dx\n(block diagonal, W in each block)", "element of x"),
            (small["jr"].reshape(n * h, n * d), "ReLU(Linear): dy/dx\n(rows of W masked where y <= 0)",
             "element of x"),
            (small["jw"].reshape(n * h, h * d), "Linear: dy/dW\n(x repeated, mostly zeros)", "element of W")]):
        lim = float(np.max(np.abs(mat))) or 1.0
        im = ax.imshow(mat, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        fig.colorbar(im, ax=ax, shrink=0.8, label="value of the entry")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("element of y")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"explicit Jacobians of a small layer (batch {n}, {d} -> {h}); white = 0, red > 0, blue < 0")
    return save_figure(fig, path)


def run(out_dir, fast: bool = True, seed: int = 0) -> Result:
    """Measure the Jacobian's memory against the VJP's, check VJP == g.J on a small layer, check the shapes."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(seed)
    result = Result(TOPIC, "Vectorized backprop: never build the Jacobian", "4.4",
                    "A 4096 -> 4096 layer's Jacobian at batch 64 needs 275 GB; backprop's vector-Jacobian "
                    "product needs megabytes, and every gradient has its variable's shape.",
                    config={"batch": BATCH, "width": WIDTH, "dtype (big layer)": "float32",
                            "dtype (small layer)": "float64", "seed": seed, "fast": fast})
    with Timer() as timer:
        jac = jacobian_bytes()
        jac_w = (BATCH * WIDTH) * (WIDTH * WIDTH) * 4
        relu_peak, linear_peak, weights, activations = _measure_big(rng, BATCH, WIDTH)
        mid_batch, mid_width = (8, 128) if fast else (16, 256)
        mid_formula, mid_peak, mid_nbytes = _measured_jacobian(rng, mid_batch, mid_width)
        small = _small_layer(rng)
        shapes = _shape_check(rng)
    result.numbers = {
        "jacobian_entries": (BATCH * WIDTH) ** 2, "jacobian_bytes": jac, "jacobian_wrt_W_bytes": jac_w,
        "relu_vjp_peak_bytes": relu_peak, "linear_vjp_peak_bytes": linear_peak, "weights_bytes": weights,
        "activation_bytes": activations,
        "jacobian_over_linear_vjp": jac / linear_peak, "jacobian_over_relu_vjp": jac / relu_peak,
        "built_jacobian_formula_bytes": mid_formula, "built_jacobian_peak_bytes": mid_peak,
        "built_jacobian_nbytes": mid_nbytes, "built_jacobian_shape": [mid_batch, mid_width, mid_batch, mid_width],
        **{k: small[k] for k in ("vjp_vs_gJ_x", "vjp_vs_gJ_w", "formula_x", "formula_w", "formula_b",
                                 "zero_fraction_x")},
    }
    mem_header = ["what", "bytes", "size"]
    mem_rows = [
        ["explicit Jacobian dy/dx, (64*4096)^2 float32", jac, _human(jac)],
        ["explicit Jacobian dy/dW of the Linear layer", jac_w, _human(jac_w)],
        ["Linear layer's weights W (4096 x 4096 float32)", weights, _human(weights)],
        ["measured peak, Linear forward + backward (VJP)", linear_peak, _human(linear_peak)],
        ["measured peak, ReLU forward + backward (VJP)", relu_peak, _human(relu_peak)],
        [f"formula for batch {mid_batch}, {mid_width} -> {mid_width}: ({mid_batch}*{mid_width})^2 * 4", mid_formula,
         _human(mid_formula)],
        ["measured peak of cr.jacobian building that one", mid_peak, _human(mid_peak)],
    ]
    n, d, h = small["shape"]
    vjp_header = ["check (small layer, float64)", "max |difference|"]
    vjp_rows = [
        ["x.grad (backward)  vs  g . J   (J = cr.jacobian, shape (2,4,2,3))", small["vjp_vs_gJ_x"]],
        ["W.grad (backward)  vs  g . J_W (J_W shape (2,4,4,3))", small["vjp_vs_gJ_w"]],
        ["x.grad  vs  g @ W   (multiply by the transposed matrix)", small["formula_x"]],
        ["W.grad  vs  g.T @ x", small["formula_w"]],
        ["b.grad  vs  g.sum(axis=0)", small["formula_b"]],
    ]
    shape_header = ["variable", "shape", "gradient shape", "same"]
    result.checks = {
        "the Jacobian figure is (64*4096)^2 * 4 bytes = 274,877,906,944 bytes (275 GB)":
            jac == (64 * 4096) ** 2 * 4 == 274_877_906_944,
        "the measured VJP peak (Linear layer) is over 1000x smaller than the Jacobian": linear_peak * 1000 < jac,
        f"the formula holds where we can afford it: cr.jacobian of a batch-{mid_batch} {mid_width} -> {mid_width} "
        f"layer holds exactly ({mid_batch}*{mid_width})^2 float32 and its measured peak is at least that":
            mid_nbytes == mid_formula <= mid_peak,
        "VJP == g . J on the small layer (max |difference| < 1e-12)":
            max(small["vjp_vs_gJ_x"], small["vjp_vs_gJ_w"]) < 1e-12,
        "the VJP is the lecture's transposed-matrix product (dx = g W, dW = g^T x, db = sum g)":
            max(small["formula_x"], small["formula_w"], small["formula_b"]) < 1e-12,
        "every gradient has its variable's shape": all(r[3] for r in shapes),
    }
    mem_pic = _plot_memory(out_dir / "jacobian_memory.png", jac, relu_peak, linear_peak, weights)
    small_pic = _plot_small(out_dir / "jacobian_small.png", small)
    result.pictures = [mem_pic, small_pic]
    result.seconds = timer.seconds
    result.table = "\n\n".join([
        "memory: explicit Jacobians (computed, and one built) vs the measured VJP at batch 64, 4096 -> 4096:\n"
        + format_table(mem_header, mem_rows),
        f"the Jacobian is {jac / linear_peak:,.0f}x the measured peak of the Linear layer's VJP and "
        f"{jac / relu_peak:,.0f}x the ReLU layer's",
        "small layer, explicit Jacobian vs vector-Jacobian product:\n" + format_table(vjp_header, vjp_rows),
        f"{small['zero_fraction_x']:.0%} of dy/dx's entries are zero (batch elements never interact)",
        "shape sanity check (2-layer net, batch 5):\n" + format_table(shape_header, shapes),
    ])
    result.report = write_lecture_report(
        result, out_dir,
        explanation=[
            "With vectors and matrices, the derivative of a layer's output with respect to its input is a "
            "Jacobian matrix. For a 4096 -> 4096 layer on a batch of 64 it has (64 x 4096)^2 = 68.7 billion "
            "entries: 275 GB in float32, far more than any GPU holds, and almost all of them zero (inputs of "
            "one example never affect another example's outputs; a ReLU's Jacobian is even diagonal).",
            "Backprop never builds it. It only needs the vector-Jacobian product g . J (the upstream gradient "
            "times the Jacobian), which each operation computes directly: a mask for ReLU, a multiplication by "
            "the transposed weight matrix for a Linear layer. The measured peak memory of that step is "
            "megabytes (for the Linear layer, mostly the 67 MB gradient of W itself, the same size as W).",
            "On a small layer we do build J with cr.jacobian, and the VJP agrees with g . J to rounding error. "
            "Finally the sanity check the lecture recommends: the gradient with respect to a variable always "
            "has that variable's shape."],
        quote="Ta không bao giờ tính toán trực tiếp Jacobian Matrix (vì quá lớn) ... Gradient của một biến "
              "luôn luôn có cùng kích thước (shape) với biến đó.",
        tables=[("Memory: explicit Jacobian vs measured VJP", mem_header, mem_rows),
                ("Small layer: VJP == g . J", vjp_header, vjp_rows),
                ("Shape sanity check", shape_header, shapes)],
        images=[(mem_pic, "explicit Jacobian vs measured peak memory of the VJP (log scale)"),
                (small_pic, "explicit Jacobians of a small layer: mostly zeros, with structure the VJP exploits")])
    return result
