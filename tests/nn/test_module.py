"""Module machinery: registration by assignment, traversal, modes, state dicts, repr, hooks."""
import copy

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import CheckpointError
from chainrule.nn import Linear, Module, Parameter, ReLU, Sequential


class TwoLayer(Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Linear(4, 3)
        self.act = ReLU()
        self.fc2 = Linear(3, 2)
        self.scale = Parameter(np.ones(1, dtype=np.float32))
        self.register_buffer("count", np.zeros((), dtype=np.int64))
        self.note = "plain attribute"

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_parameter_is_a_tensor_that_requires_grad():
    p = Parameter(np.zeros((2, 3)))
    assert isinstance(p, cr.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:")
    assert (p + 1).__class__ is cr.Tensor  # ops produce ordinary tensors
    with pytest.raises(TypeError):
        Parameter(np.zeros(3, dtype=np.int64))  # integers cannot require grad
    q = Parameter(cr.tensor([1.0, 2.0]))
    assert q.dtype == np.float32
    arr = np.ones(3)
    assert Parameter(arr).data is arr  # shares memory, as torch.nn.Parameter does


def test_registration_by_assignment():
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert len(list(m.modules())) == 4 and list(m.children())[1] is m.act
    assert [n for n, _ in m.named_buffers()] == ["count"]
    assert m.note == "plain attribute" and "note" not in m._parameters
    assert m.num_parameters() == 1 + 4 * 3 + 3 + 3 * 2 + 2


def test_reassignment_and_deletion():
    m = TwoLayer()
    with pytest.raises(TypeError, match="cr.nn.Parameter or None expected"):
        m.scale = cr.tensor([2.0])
    m.scale = None
    assert "scale" not in dict(m.named_parameters())
    m.fc2 = Linear(3, 5)
    assert m.fc2.out_features == 5
    del m.fc2
    assert "fc2" not in dict(m.named_children())
    with pytest.raises(AttributeError):
        m.fc2


def test_assigning_before_init_is_an_error():
    class Bad(Module):
        def __init__(self):
            self.w = Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_shared_parameters_are_counted_once():
    shared = Linear(3, 3)
    seq = Sequential(shared, ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert seq.num_parameters() == 12
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_train_eval_recursive():
    m = Sequential(Linear(2, 2), cr.nn.Dropout(0.5), Sequential(cr.nn.Dropout(0.1)))
    assert all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(TypeError):
        m.train("no")


def test_zero_grad_set_to_none_and_zeros():
    m = TwoLayer()
    m(cr.randn(5, 4)).sum().backward()
    grads = [p.grad for p in m.parameters()]
    assert all(g is not None for g in grads)
    kept = grads[1].data.copy()
    m.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in m.parameters())
    np.testing.assert_array_equal(grads[1].data, kept)  # the old gradient array was not zeroed in place
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_state_dict_round_trip_and_sharing():
    m = TwoLayer()
    sd = m.state_dict()
    assert list(sd) == ["scale", "count", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(isinstance(v, cr.Tensor) and not isinstance(v, Parameter) for v in sd.values())
    assert np.shares_memory(sd["fc1.weight"].data, m.fc1.weight.data)
    other = TwoLayer()
    weight_obj = other.fc1.weight
    result = other.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert other.fc1.weight is weight_obj  # copied in place: optimizers keep working
    np.testing.assert_array_equal(other.fc1.weight.data, m.fc1.weight.data)
    assert not np.shares_memory(other.fc1.weight.data, m.fc1.weight.data)


def test_load_state_dict_reports_every_mismatch():
    m = TwoLayer()
    sd = dict(m.state_dict())
    sd["fc1.weight"] = np.zeros((3, 5), dtype=np.float32)       # wrong shape
    sd["fc2.bias"] = np.zeros(2, dtype=np.float64)              # wrong dtype
    del sd["fc2.weight"]                                        # missing
    sd["extra.weight"] = np.zeros(1)                            # unexpected
    target = TwoLayer()
    before = target.fc1.bias.data.copy()
    with pytest.raises(CheckpointError) as e:
        target.load_state_dict(sd)
    msg = str(e.value)
    assert "fc1.weight: shape (3, 5) in the state dict, (3, 4) in the model" in msg
    assert "fc2.bias: dtype float64 in the state dict, float32 in the model" in msg
    assert "missing from the state dict: fc2.weight" in msg
    assert "unexpected in the state dict (not in the model): extra.weight" in msg
    np.testing.assert_array_equal(target.fc1.bias.data, before)  # nothing copied on failure


def test_load_state_dict_non_strict_returns_keys():
    m = TwoLayer()
    sd = dict(m.state_dict())
    del sd["scale"]
    sd["bogus"] = np.zeros(1)
    missing, unexpected = TwoLayer().load_state_dict(sd, strict=False)
    assert missing == ["scale"] and unexpected == ["bogus"]
    with pytest.raises(CheckpointError, match="shape"):
        sd["fc1.bias"] = np.zeros(7, dtype=np.float32)
        TwoLayer().load_state_dict(sd, strict=False)  # shapes must match even when not strict


def test_repr_is_nested_and_readable():
    m = Sequential(Linear(4, 3), ReLU(), Sequential(Linear(3, 2, bias=False)))
    assert repr(m) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=2, bias=False)\n"
        "  )\n"
        ")")


def test_sequential_indexing_len_iteration():
    layers = [Linear(4, 3), ReLU(), Linear(3, 2)]
    seq = Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    sub = seq[1:]
    assert isinstance(sub, Sequential) and len(sub) == 2 and sub[1] is layers[2]
    with pytest.raises(IndexError):
        seq[3]
    x = cr.randn(5, 4)
    np.testing.assert_allclose(seq(x).data, layers[2](layers[1](layers[0](x))).data)
    new_first = Linear(4, 3)
    seq[0] = new_first
    assert seq[0] is new_first and list(seq)[1:] == layers[1:]     # replaced in place, order kept
    seq.append(ReLU())
    assert len(seq) == 4
    from collections import OrderedDict
    named = Sequential(OrderedDict([("fc", Linear(2, 2)), ("act", ReLU())]))
    assert [n for n, _ in named.named_children()] == ["fc", "act"]


def test_module_list():
    ml = cr.nn.ModuleList([Linear(2, 2), Linear(2, 3)])
    assert len(ml) == 2 and ml[1].out_features == 3
    assert len(list(ml.parameters())) == 4


def test_forward_hooks_and_removal():
    m = Linear(3, 2)
    seen = []
    h = m.register_forward_hook(lambda mod, inp, out: seen.append(out.shape))
    m(cr.randn(4, 3))
    h.remove()
    m(cr.randn(4, 3))
    assert seen == [(4, 2)]
    h2 = m.register_forward_hook(lambda mod, inp, out: out * 0)
    assert np.all(m(cr.randn(1, 3)).data == 0)
    h2.remove()


def test_to_dtype_keeps_parameter_objects():
    m = TwoLayer()
    w = m.fc1.weight
    m.double()
    assert m.fc1.weight is w and w.dtype == np.float64
    assert m.count.dtype == np.int64  # integer buffers untouched
    assert m(cr.randn(2, 4, dtype=np.float64)).dtype == np.float64


def test_requires_grad_and_deepcopy():
    m = TwoLayer()
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    assert m.num_parameters(trainable_only=True) == 0
    c = copy.deepcopy(m)
    assert c.fc1.weight is not m.fc1.weight
    np.testing.assert_array_equal(c.fc1.weight.data, m.fc1.weight.data)


def test_forward_not_defined():
    with pytest.raises(NotImplementedError, match="forward"):
        Module()(1)
