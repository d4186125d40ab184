"""Saving and loading: round trips, rebuilt MLPs, checkpoints that resume identically, and refusal of
corrupted, truncated and lying files (before any tensor data is read)."""
import builtins
import json
import struct
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import io, nn
from chainrule.errors import CheckpointError

pytest.importorskip("safetensors")


def data(n=32, d=6, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return cr.tensor(rng.standard_normal((n, d)).astype(np.float32)), rng.integers(0, c, n)


def train_steps(model, opt, sched, x, y, steps):
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y) + nn.l2_penalty(model, 1e-3)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses


# --- models -------------------------------------------------------------------------------------------------

def test_mlp_round_trip_rebuilds_the_model(tmp_path):
    model = nn.MLP(6, [5, 4], 3, activation="gelu", dropout=0.1)
    path = tmp_path / "mlp.safetensors"
    cr.save(model, path, metadata={"val_acc": 0.42, "dataset": "toy"})
    loaded = cr.load(path)
    assert isinstance(loaded, nn.MLP) and loaded.get_config() == model.get_config()
    assert repr(loaded) == repr(model)
    for (n1, a), (n2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert n1 == n2 and a.dtype == b.dtype
        np.testing.assert_array_equal(a.data, b.data)
    x, _ = data()
    model.eval(), loaded.eval()
    np.testing.assert_array_equal(model(x).data, loaded(x).data)
    meta = io.read_metadata(path)
    assert meta["kind"] == "model" and meta["metadata"] == {"val_acc": 0.42, "dataset": "toy"}
    assert meta["architecture"]["class"] == "MLP"
    assert meta["tensors"]["0.weight"] == ("F32", (5, 6))


def test_load_does_not_disturb_the_random_stream(tmp_path):
    path = tmp_path / "m.safetensors"
    cr.save(nn.MLP(4, [8], 2), path)
    cr.manual_seed(5)
    expected = cr.randn(3).data
    cr.manual_seed(5)
    cr.load(path)
    np.testing.assert_array_equal(cr.randn(3).data, expected)


def test_float64_model_round_trip(tmp_path):
    model = nn.MLP(3, [2], 2, activation=None, dtype=np.float64)
    cr.save(model, tmp_path / "m.safetensors")
    loaded = cr.load(tmp_path / "m.safetensors")
    assert all(p.dtype == np.float64 for p in loaded.parameters()) and loaded.activation is None


def test_custom_module_loads_into_a_given_model(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
            self.head = nn.Linear(3, 2)

        def forward(self, x):
            return self.head(self.body(x))

    net = Net()
    path = tmp_path / "net.safetensors"
    cr.save(net, path)
    raw = cr.load(path)                       # no architecture stored: the state dict comes back
    assert list(raw) == ["body.0.weight", "body.0.bias", "head.weight", "head.bias"]
    assert all(isinstance(v, cr.Tensor) for v in raw.values())
    other = Net()
    assert cr.load(path, model=other) is other
    np.testing.assert_array_equal(other.head.weight.data, net.head.weight.data)


def test_loading_into_the_wrong_model_says_what_differs(tmp_path):
    path = tmp_path / "m.safetensors"
    cr.save(nn.MLP(6, [5], 3), path)
    with pytest.raises(CheckpointError) as e:
        cr.load(path, model=nn.MLP(6, [7], 3))
    msg = str(e.value)
    assert "0.weight: shape (5, 6) in the state dict, (7, 6) in the model" in msg
    assert "2.weight: shape (3, 5) in the state dict, (3, 7) in the model" in msg
    with pytest.raises(CheckpointError, match="missing from the state dict: 4.weight, 4.bias"):
        cr.load(path, model=nn.MLP(6, [5, 5], 3))
    with pytest.raises(CheckpointError, match="dtype float32 in the state dict, float64 in the model"):
        cr.load(path, model=nn.MLP(6, [5], 3, dtype=np.float64))


def test_state_dict_save_and_non_contiguous_arrays(tmp_path):
    a = np.arange(12.0).reshape(3, 4).T      # a transposed view: must be stored densely
    cr.save({"a": a, "b": cr.tensor([1, 2, 3])}, tmp_path / "sd.safetensors")
    back = cr.load(tmp_path / "sd.safetensors")
    np.testing.assert_array_equal(back["a"].data, a)
    assert back["b"].dtype == np.int64
    back["a"].data[0, 0] = 99.0              # loaded arrays are ordinary, writable arrays
    with pytest.raises(TypeError):
        cr.save({"a": [1, 2]}, tmp_path / "bad.safetensors")
    with pytest.raises(TypeError):
        cr.save(42, tmp_path / "bad.safetensors")
    with pytest.raises(CheckpointError, match="JSON"):
        cr.save(nn.Linear(2, 2), tmp_path / "bad.safetensors", metadata={"f": object()})


def test_linear_is_rebuildable_and_registration(tmp_path):
    cr.save(nn.Linear(3, 2, bias=False), tmp_path / "l.safetensors")
    lin = cr.load(tmp_path / "l.safetensors")
    assert isinstance(lin, nn.Linear) and lin.bias is None

    @io.register_architecture
    class Scaled(nn.Module):
        def __init__(self, n, dtype=None):
            super().__init__()
            self.n = n
            self.fc = nn.Linear(n, n, dtype=dtype)

        def get_config(self):
            return {"n": self.n}

    cr.save(Scaled(3), tmp_path / "s.safetensors")
    assert isinstance(cr.load(tmp_path / "s.safetensors"), Scaled)
    with pytest.raises(TypeError):
        io.register_architecture(int)


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    cr.save(nn.MLP(3, [2], 2), path)
    before = path.read_bytes()

    class Boom(Exception):
        pass

    def failing_save(*args, **kwargs):
        raise Boom()

    monkeypatch.setattr(io.codec, "_contiguous", failing_save)
    with pytest.raises(Boom):
        cr.save(nn.MLP(3, [4], 2), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]   # no temporary left behind


def test_missing_safetensors_gives_install_hint(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("safetensors"):
            raise ImportError("no safetensors")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install chainrule\[io\]"):
        cr.save(nn.Linear(2, 2), tmp_path / "x.safetensors")


def test_no_pickle_in_io_sources():
    import chainrule.optim.optimizer
    sources = [*Path(io.__file__).parent.glob("*.py"), Path(nn.module.__file__),
               Path(chainrule.optim.optimizer.__file__)]
    assert len(sources) > 3
    for source in sources:
        text = source.read_text()
        assert "import pickle" not in text and "np.load(" not in text


# --- checkpoints --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("opt_name,opt_kw", [("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
                                             ("Adam", {"lr": 0.01, "amsgrad": True}),
                                             ("AdamW", {"lr": 0.01}),
                                             ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5})])
def test_checkpoint_resumes_training_identically(tmp_path, opt_name, opt_kw):
    x, y = data()
    cr.manual_seed(0)
    model = nn.MLP(6, [8], 3, dropout=0.3)    # dropout: the continuation also needs the random stream
    opt = getattr(cr.optim, opt_name)(model.parameters(), **opt_kw)
    sched = cr.optim.lr_scheduler.SequentialLR(
        opt, [cr.optim.lr_scheduler.LinearLR(opt, 0.5, total_iters=2),
              cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)], milestones=[2])
    train_steps(model, opt, sched, x, y, 3)
    path = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(path, model, opt, sched, extra={"epoch": 3, "history": [1.0, 0.5], "best": np.arange(3)})
    expected = train_steps(model, opt, sched, x, y, 4)
    final = {k: v.data.copy() for k, v in model.state_dict().items()}

    cr.manual_seed(123)                       # a different stream: the checkpoint restores the saved one
    model2 = nn.MLP(6, [8], 3, dropout=0.3)
    opt2 = getattr(cr.optim, opt_name)(model2.parameters(), lr=0.5)
    sched2 = cr.optim.lr_scheduler.SequentialLR(
        opt2, [cr.optim.lr_scheduler.LinearLR(opt2, 0.5, total_iters=2),
               cr.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=6)], milestones=[2])
    result = io.load_checkpoint(path, model2, opt2, sched2)
    assert result["extra"]["epoch"] == 3 and result["extra"]["history"] == [1.0, 0.5]
    np.testing.assert_array_equal(result["extra"]["best"], np.arange(3))
    got = train_steps(model2, opt2, sched2, x, y, 4)
    assert got == expected
    for k, v in model2.state_dict().items():
        np.testing.assert_array_equal(v.data, final[k])


def test_checkpoint_rebuilds_mlp_and_checks_parts(tmp_path):
    x, y = data()
    model = nn.MLP(6, [4], 3)
    opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train_steps(model, opt, None, x, y, 2)
    path = tmp_path / "c.safetensors"
    io.save_checkpoint(path, model, opt, metadata={"note": "hi"})
    result = io.load_checkpoint(path)
    assert isinstance(result["model"], nn.MLP) and result["metadata"] == {"note": "hi"}
    np.testing.assert_array_equal(result["model"][0].weight.data, model[0].weight.data)
    assert isinstance(cr.load(path), nn.MLP)                       # cr.load reads the model part
    with pytest.raises(CheckpointError, match="optimizer state is for SGD, not Adam"):
        io.load_checkpoint(path, optimizer=cr.optim.Adam(nn.MLP(6, [4], 3).parameters()))
    with pytest.raises(CheckpointError, match="no scheduler state"):
        m = nn.MLP(6, [4], 3)
        o = cr.optim.SGD(m.parameters(), lr=0.1)
        io.load_checkpoint(path, m, scheduler=cr.optim.lr_scheduler.StepLR(o, 2))
    cr.save(model, tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="is a model file, not a checkpoint"):
        io.load_checkpoint(tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="cannot store a set"):
        io.save_checkpoint(tmp_path / "x.safetensors", model, extra={"bad": {1, 2}})
    info = io.read_metadata(path)
    assert info["kind"] == "checkpoint" and info["optimizer_class"] == "SGD"


def test_checkpoint_optimizer_mismatch_is_reported(tmp_path):
    model = nn.MLP(6, [4], 3)
    opt = cr.optim.Adam(model.parameters())
    x, y = data()
    train_steps(model, opt, None, x, y, 1)
    io.save_checkpoint(tmp_path / "c.safetensors", model, opt)
    other = nn.MLP(6, [4], 3)
    fewer = cr.optim.Adam(list(other.parameters())[:2])
    with pytest.raises(CheckpointError, match="2 here"):
        io.load_checkpoint(tmp_path / "c.safetensors", other, fewer)


# --- refusing bad files -----------------------------------------------------------------------------------

def _saved(tmp_path):
    path = tmp_path / "good.safetensors"
    cr.save(nn.MLP(6, [5], 3), path)
    return path, path.read_bytes()


def _split(blob):
    n = struct.unpack("<Q", blob[:8])[0]
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def _join(header, body):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + body


def _assert_refused(tmp_path, blob, match):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(blob)
    with pytest.raises(CheckpointError, match=match):
        cr.load(bad)
    with pytest.raises(CheckpointError, match=match):
        io.read_metadata(bad)


def test_truncated_file_is_refused(tmp_path):
    _, blob = _saved(tmp_path)
    _assert_refused(tmp_path, blob[:-10], "ends at byte .* only .* bytes of data|truncated")
    _assert_refused(tmp_path, blob[:5], "too small")
    _assert_refused(tmp_path, blob[:40], "declares .* bytes but only 32 bytes follow")


def test_header_length_overrunning_the_file_is_refused(tmp_path):
    _, blob = _saved(tmp_path)
    _assert_refused(tmp_path, struct.pack("<Q", 2 ** 40) + blob[8:], "declares 1099511627776 bytes")


def test_offsets_overrunning_the_data_are_refused(tmp_path):
    _, blob = _saved(tmp_path)
    header, body = _split(blob)
    header["0.weight"]["data_offsets"][1] = 10 ** 12
    header["0.weight"]["shape"] = [10 ** 12 // 4 - header["0.weight"]["data_offsets"][0] // 4]
    _assert_refused(tmp_path, _join(header, body), "ends at byte 1000000000000")


def test_shape_not_matching_offsets_is_refused(tmp_path):
    _, blob = _saved(tmp_path)
    header, body = _split(blob)
    header["0.weight"]["shape"] = [6, 6]
    _assert_refused(tmp_path, _join(header, body), r"needs 144 bytes but its offsets span 120")


def test_overlapping_and_trailing_bytes_are_refused(tmp_path):
    _, blob = _saved(tmp_path)
    header, body = _split(blob)
    names = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
    first, second = names[0], names[1]
    size = header[first]["data_offsets"][1] - header[first]["data_offsets"][0]
    header[second]["dtype"], header[second]["shape"] = header[first]["dtype"], header[first]["shape"]
    header[second]["data_offsets"] = [0, size]
    _assert_refused(tmp_path, _join(header, body), "overlaps the previous tensor")
    header, body = _split(blob)
    _assert_refused(tmp_path, _join(header, body + b"\0" * 8), "trailing bytes")


def test_corrupt_headers_are_refused(tmp_path):
    _, blob = _saved(tmp_path)
    header, body = _split(blob)
    raw = json.dumps(header).encode()
    _assert_refused(tmp_path, struct.pack("<Q", len(raw)) + raw[:-1] + b"!" + body, "not valid JSON")
    garbage = b"\xff" * len(raw)
    _assert_refused(tmp_path, struct.pack("<Q", len(raw)) + garbage + body, "not valid JSON")
    dup = raw[:-1] + b', "0.bias": {"dtype": "F32", "shape": [5], "data_offsets": [0, 20]}}'
    _assert_refused(tmp_path, struct.pack("<Q", len(dup)) + dup + body, "names '0.bias' twice")
    for key, value, match in [("dtype", "BF16", "dtype 'BF16' is not supported"),
                              ("shape", [-1, 6], "not a list of non-negative integers"),
                              ("data_offsets", [20, 10], "begin <= end")]:
        header, body = _split(blob)
        header["0.weight"][key] = value
        _assert_refused(tmp_path, _join(header, body), match)
    header, body = _split(blob)
    header["__metadata__"]["chainrule"] = "{not json"
    bad = tmp_path / "meta.safetensors"
    bad.write_bytes(_join(header, body))
    with pytest.raises(CheckpointError, match="chainrule metadata is not valid JSON"):
        cr.load(bad)


def test_newer_format_version_is_refused(tmp_path):
    _, blob = _saved(tmp_path)
    header, body = _split(blob)
    doc = json.loads(header["__metadata__"]["chainrule"])
    doc["format_version"] = io.FORMAT_VERSION + 1
    header["__metadata__"]["chainrule"] = json.dumps(doc)
    bad = tmp_path / "new.safetensors"
    bad.write_bytes(_join(header, body))
    with pytest.raises(CheckpointError, match="newer than this chainrule reads"):
        cr.load(bad)


def test_plain_safetensors_file_from_elsewhere_loads_as_state_dict(tmp_path):
    from safetensors.numpy import save_file
    save_file({"weight": np.ones((2, 3), dtype=np.float32)}, str(tmp_path / "hf.safetensors"))
    sd = cr.load(tmp_path / "hf.safetensors")
    assert list(sd) == ["weight"] and sd["weight"].shape == (2, 3)
    lin = nn.Linear(3, 2, bias=False)
    cr.load(tmp_path / "hf.safetensors", model=lin)
    assert np.all(lin.weight.data == 1)
