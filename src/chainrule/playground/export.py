""""Show me the code": the chainrule Python that reproduces a session's setup and run, step for step.

Every line mirrors what `Session` does (same data, split, features, seed, batches and update), so running the
code gives the same weights and accuracy as the page after the same number of steps.
"""
from __future__ import annotations

import numpy as np

from .data import FEATURE_CODE


def _data_code(session) -> list:
    cfg = session.config
    if cfg.dataset == "custom":
        X = np.round(session.X.astype(np.float64), 6).tolist()
        dtype = "np.int64" if cfg.problem == "classification" else "np.float32"
        return ["# your drawn or uploaded points",
                f"X = np.array({X}, dtype=np.float32)",
                f"y = np.array({session.y.tolist()}, dtype={dtype})"]
    if cfg.problem == "regression":
        f = ("y = (X[:, 0] + X[:, 1]) / 2" if cfg.dataset == "plane" else
             "y = (np.exp(-((X[:, 0] - 0.4) ** 2 + (X[:, 1] - 0.4) ** 2) / 0.2)\n"
             "     - np.exp(-((X[:, 0] + 0.4) ** 2 + (X[:, 1] + 0.4) ** 2) / 0.2))")
        return [f"rng = np.random.default_rng({cfg.seed})",
                f"X = rng.uniform(-1, 1, size=({cfg.points}, 2))", f,
                f"y = (y + rng.normal(scale={cfg.noise!r}, size={cfg.points})).astype(np.float32)",
                "X = X.astype(np.float32)"]
    k = cfg.classes if cfg.dataset in ("spiral", "gaussian") else 2
    per = max(1, cfg.points // k)
    if cfg.dataset == "gaussian":
        return [f"rng = np.random.default_rng({cfg.seed})",
                f"angles = 2 * np.pi * np.arange({k}) / {k}",
                "centres = np.c_[np.cos(angles), np.sin(angles)]",
                f"X = np.concatenate([c + rng.normal(scale=0.25 + {cfg.noise!r}, size=({per}, 2)) for c in centres])",
                "X = X.astype(np.float32)",
                f"y = np.repeat(np.arange({k}), {per}).astype(np.int64)"]
    extra = f", n_classes={k}" if cfg.dataset == "spiral" else ""
    return [f"ds = cr.data.{cfg.dataset}(n_per_class={per}{extra}, noise={cfg.noise!r}, seed={cfg.seed})",
            "X, y = np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y, dtype=np.int64)"]


def code(session) -> str:
    """Python that rebuilds ``session``'s data and model and trains it for its number of steps."""
    cfg = session.config
    cls = cfg.problem == "classification"
    act = "None" if cfg.activation == "linear" else repr(cfg.activation)
    if cfg.optimizer == "adam":
        opt = f"cr.optim.Adam(model.parameters(), lr={cfg.lr!r})"
    else:
        mom = {"sgd": "", "momentum": ", momentum=0.9", "nesterov": ", momentum=0.9, nesterov=True"}[cfg.optimizer]
        opt = f"cr.optim.SGD(model.parameters(), lr={cfg.lr!r}{mom})"
    feats = ", ".join(FEATURE_CODE[f] for f in cfg.features)
    if cls:
        loss = "loss = cr.nn.functional.cross_entropy(model(cr.Tensor(F_train[idx])), y_train[idx])"
    else:
        loss = "loss = cr.nn.functional.mse_loss(model(cr.Tensor(F_train[idx])), cr.Tensor(y_train[idx].reshape(-1, 1)))"
    reg = []
    if cfg.regularization == "l2" and cfg.lam > 0:
        reg = [f"    loss = loss + cr.nn.l2_penalty(model, {cfg.lam!r})          # lam * sum(W**2)"]
    elif cfg.regularization == "l1" and cfg.lam > 0:
        reg = ["    l1 = None",
               "    for _, W in cr.nn.regularized_parameters(model):               # lam * sum(|W|)",
               "        l1 = W.abs().sum() if l1 is None else l1 + W.abs().sum()",
               f"    loss = loss + l1 * {cfg.lam!r}"]
    n_out = session.n_out
    lines = [
        f"# chainrule playground: {cfg.problem} on {cfg.dataset}, hidden {cfg.hidden}, {cfg.activation}, "
        f"{cfg.optimizer} lr={cfg.lr!r}, {session.step_count} steps",
    ]
    if session.changed_mid_run:
        lines.append("# (settings changed during the run on the page; this trains with the current ones from step 0)")
    lines += ["import numpy as np", "import chainrule as cr", ""] + _data_code(session) + [
        "",
        "# train/test split and input features",
        f"perm = np.random.default_rng({cfg.seed}).permutation(len(X))",
        f"n_train = min(len(X), max(1, int(round({cfg.train_ratio!r} * len(X)))))",
        "train, test = perm[:n_train], perm[n_train:]",
        "x1, x2 = X[:, 0], X[:, 1]",
        f"F = np.stack([{feats}], axis=1).astype(np.float32)",
        "F_train, y_train, F_test, y_test = F[train], y[train], F[test], y[test]",
        "",
        "# the network and its optimizer (the seed fixes the weights and dropout masks)",
        f"cr.manual_seed({cfg.seed})",
        f"model = cr.nn.MLP({len(cfg.features)}, {list(cfg.hidden)}, {n_out}, activation={act}, dropout={cfg.dropout!r})",
        f"opt = {opt}",
        f"rng = np.random.default_rng({cfg.seed + 1})",
        f"for step in range({session.step_count}):",
        f"    idx = rng.choice(len(y_train), size=min({cfg.batch_size}, len(y_train)), replace=False)",
        "    " + loss,
        *reg,
        "    opt.zero_grad()",
        "    loss.backward()",
        "    opt.step()",
        "",
        "model.eval()",
        "with cr.no_grad():",
    ]
    if cls:
        lines += ["    train_acc = float((model(cr.Tensor(F_train)).data.argmax(1) == y_train).mean())",
                  "    test_acc = float((model(cr.Tensor(F_test)).data.argmax(1) == y_test).mean()) if len(test) else None",
                  'print(f"train accuracy {train_acc:.4f}, test accuracy {test_acc}")']
    else:
        lines += ["    train_loss = float(cr.nn.functional.mse_loss(model(cr.Tensor(F_train)), "
                  "cr.Tensor(y_train.reshape(-1, 1))).item())",
                  'print(f"train loss {train_loss:.6f}")']
    lines += ["# cr.save(model, 'model.safetensors')   # needs the io extra (safetensors)"]
    return "\n".join(lines) + "\n"
