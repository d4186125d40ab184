"""Bad input gets one clear sentence: every public function called with wrong shapes, dtypes, sizes, ranges and
names raises a `ChainruleError` kind or a standard TypeError/ValueError (RuntimeError/IndexError where PyTorch
does) whose message names the function and the offending value.

One row per call: ``(id, call, expected type, fragment of the message)``. A row fails when the call raises
nothing, raises another type, leaves the fragment out, or passes on NumPy's or Python's raw complaint.
"""
from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import data, nn, optim
from chainrule.errors import ChainruleError, CheckpointError, ConfigError, DataError, ShapeError
from chainrule.optim import lr_scheduler as S
from chainrule.train.config import resolve


def T(*shape, dtype="float32", grad=False):
    return cr.tensor(np.ones(shape, dtype=dtype), requires_grad=grad)


def P(n=3):
    return [nn.Parameter(np.zeros(n, np.float32))]


def SGD(**kw):
    return optim.SGD(P(), lr=0.1, **kw)


def XY(n=3):
    return np.ones((n, 2), np.float32), np.zeros(n, np.int64)


def iadd(a, b):
    a += b
    return a


def step_with_grad(grad_shape):
    p = nn.Parameter(np.zeros(2, np.float32))
    p.grad = cr.tensor(np.ones(grad_shape, np.float32))
    optim.SGD([p], lr=0.1).step()


def saved_model(tmp):
    path = tmp / "model.safetensors"
    cr.save(nn.Linear(2, 2), path)
    return path


def junk(tmp, content=b"hello"):
    path = tmp / "junk.bin"
    path.write_bytes(content)
    return path


CE = F.cross_entropy
Y01 = np.array([0, 1])

ROWS = [
    # --- engine: shapes ------------------------------------------------------------------------------------
    ("add broadcast", lambda tmp: T(2, 3) + T(4), ShapeError, "add: shapes (2, 3) and (4,) do not broadcast"),
    ("sub broadcast with array", lambda tmp: T(2, 3) - np.ones(2), ShapeError, "sub: shapes (2, 3) and (2,)"),
    ("mul broadcast", lambda tmp: T(2, 3) * T(3, 2), ShapeError, "mul: shapes (2, 3) and (3, 2) do not broadcast"),
    ("div broadcast", lambda tmp: T(2, 3) / T(3, 2), ShapeError, "div: shapes (2, 3) and (3, 2)"),
    ("pow broadcast", lambda tmp: T(2, 3) ** T(3, 2), ShapeError, "pow: shapes (2, 3) and (3, 2)"),
    ("maximum broadcast", lambda tmp: cr.maximum(T(2, 3), T(3, 2)), ShapeError, "maximum: shapes (2, 3) and (3, 2)"),
    ("minimum broadcast", lambda tmp: cr.minimum(T(2, 3), T(3, 2)), ShapeError, "minimum: shapes (2, 3) and (3, 2)"),
    ("where broadcast", lambda tmp: cr.where(np.ones((2, 3), bool), T(3, 2), T(4)), ShapeError,
     "where: shapes (2, 3), (3, 2) and (4,) do not broadcast"),
    ("broadcast with grad", lambda tmp: T(2, 3, grad=True) * T(4), ShapeError, "mul: shapes (2, 3) and (4,)"),
    ("a += b with grad", lambda tmp: iadd(T(2, 3, grad=True) * 1, T(4)), ShapeError, "add: shapes (2, 3) and (4,)"),
    ("leaf a += b with grad", lambda tmp: iadd(T(2, 3, grad=True), 1), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation"),
    ("in place on expand", lambda tmp: iadd(T(3).expand(2, 3), 1), RuntimeError,
     "add_: this tensor's memory is read-only"),
    ("a += b in place", lambda tmp: iadd(T(3), T(4)), ShapeError, "add (in place): shapes (3,) and (4,)"),
    ("a += b grows a", lambda tmp: iadd(T(3), T(2, 3)), ShapeError,
     "add (in place): the result has shape (2, 3) but the tensor being updated has shape (3,)"),
    ("int a += float", lambda tmp: iadd(cr.tensor([1, 2]), 0.5), RuntimeError,
     "add_: result type Float can't be cast to the desired output type Long"),
    ("tensor + str", lambda tmp: T(2) + "a", TypeError, "add: cannot compute with operands of dtype float32 and <U1"),
    ("tensor + None", lambda tmp: T(2) + None, TypeError,
     "add: cannot compute with operands of dtype float32 and object"),
    ("relu of str", lambda tmp: cr.relu(np.array(["a"])), TypeError, "relu: cannot compute with operands of dtype <U1"),
    ("sum axis str", lambda tmp: T(2, 3).sum(axis="a"), TypeError, "sum: axis must be an integer or a tuple"),
    ("leaky_relu slope str", lambda tmp: F.leaky_relu(T(2), "a"), TypeError, "leaky_relu: cannot compute"),
    ("matmul inner sizes", lambda tmp: T(2, 3) @ T(4, 2), ShapeError, "matmul: (2, 3) @ (4, 2): inner sizes 3 and 4"),
    ("matmul scalar", lambda tmp: T(2) @ 2.0, ShapeError, "need at least one dimension"),
    ("matmul batch", lambda tmp: T(2, 3, 4) @ T(3, 4, 5), ShapeError,
     "matmul: batch shapes of (2, 3, 4) and (3, 4, 5)"),
    ("reshape", lambda tmp: T(2, 3).reshape(4), ShapeError, "reshape: cannot reshape a tensor of shape (2, 3)"),
    ("sum axis", lambda tmp: T(2, 3).sum(axis=5), IndexError, "sum: dimension out of range (expected to be in range of [-2, 1]"),
    ("mean axis", lambda tmp: T(2, 3).mean(axis=-3), IndexError, "mean: dimension out of range"),
    ("softmax axis", lambda tmp: cr.softmax(T(2, 3), axis=3), IndexError, "softmax: dimension out of range"),
    ("log_softmax axis", lambda tmp: F.log_softmax(T(2, 3), axis=2), IndexError, "log_softmax: dimension out of range"),
    ("permute repeated", lambda tmp: T(2, 3).permute(0, 0), ShapeError, "transpose: repeated axis"),
    ("cat list", lambda tmp: cr.cat([T(2, 3), T(2, 4)]), ShapeError, "cat: shapes [(2, 3), (2, 4)] differ"),
    ("stack list", lambda tmp: cr.stack([T(2, 3), T(2, 4)]), ShapeError, "stack: all shapes must be equal"),
    ("cat nothing", lambda tmp: cr.cat([]), ValueError, "cat: needs at least one tensor"),
    ("expand", lambda tmp: T(2, 3).expand(4, 4), ShapeError, "expand: cannot broadcast shape (2, 3) to (4, 4)"),
    ("squeeze", lambda tmp: T(2, 3).squeeze(2), IndexError, "squeeze: dimension out of range"),
    ("item", lambda tmp: T(2).item(), RuntimeError, "item(): only a one-element tensor"),
    ("bool", lambda tmp: bool(T(2)), ValueError, "truth value of a tensor of shape (2,) is ambiguous"),
    # --- engine: dtypes and gradients ----------------------------------------------------------------------
    ("int tensor requires grad", lambda tmp: cr.tensor([1, 2], requires_grad=True), TypeError,
     "only floating-point tensors can require gradients, got dtype int64"),
    ("Tensor int requires grad", lambda tmp: cr.Tensor(np.array([1, 2]), requires_grad=True), TypeError,
     "got dtype int64"),
    ("zeros int requires grad", lambda tmp: cr.zeros(2, dtype="int64", requires_grad=True), TypeError,
     "got dtype int64"),
    ("requires_grad_ on int", lambda tmp: cr.tensor([1, 2]).requires_grad_(), TypeError, "got dtype int64"),
    ("Parameter int", lambda tmp: nn.Parameter(np.zeros(2, int)), TypeError, "got dtype int64"),
    ("tensor of str", lambda tmp: cr.tensor("abc"), TypeError, "tensor: cannot make a numeric tensor from str"),
    ("tensor of str array", lambda tmp: cr.tensor(np.array(["a"])), TypeError, "of dtype <U1"),
    ("tensor of None", lambda tmp: cr.tensor(None), TypeError, "from NoneType data"),
    ("tensor ragged", lambda tmp: cr.tensor([[1, 2], [3]]), TypeError, "tensor: cannot convert list"),
    ("tensor bad dtype", lambda tmp: cr.tensor([1.0], dtype="foo"), TypeError, "tensor: 'foo' is not a dtype"),
    ("zeros negative", lambda tmp: cr.zeros(-1, 3), ValueError, "zeros: sizes must be >= 0, got -1"),
    ("ones float size", lambda tmp: cr.ones(2.5), TypeError, "ones: sizes must be integers, got 2.5"),
    ("randn negative", lambda tmp: cr.randn(2, -1), ValueError, "randn: sizes must be >= 0"),
    ("rand str size", lambda tmp: cr.rand("3"), TypeError, "rand: sizes must be integers"),
    ("full negative", lambda tmp: cr.full((2, -1), 1.0), ValueError, "full: sizes must be >= 0"),
    ("set_default_dtype int", lambda tmp: cr.set_default_dtype("int32"), TypeError, "must be a floating type"),
    ("backward non-scalar", lambda tmp: (T(2, grad=True) * 2).backward(), RuntimeError, "needs a `gradient`"),
    ("backward without grad", lambda tmp: T(2).sum().backward(), RuntimeError, "does not require grad"),
    ("backward gradient shape", lambda tmp: (T(2, grad=True) * 2).backward(T(3)), ShapeError,
     "backward: the gradient has shape (3,) but the output has shape (2,)"),
    ("grad of a float", lambda tmp: cr.grad(3.0, [T(1, grad=True)]), TypeError,
     "grad(): outputs and inputs must be Tensors"),
    ("grad unused input", lambda tmp: cr.grad((T(1, grad=True) * 2).sum(), [T(1, grad=True)]), RuntimeError,
     "allow_unused=True"),
    ("gradcheck no grad input", lambda tmp: cr.gradcheck(lambda x: x, [1.0]), ValueError,
     "gradcheck: no input has requires_grad=True"),
    ("gradcheck eps 0", lambda tmp: cr.gradcheck(lambda x: x.sum(), [T(1, dtype="float64", grad=True)], eps=0),
     ValueError, "gradcheck: eps must be a number > 0, got 0"),
    ("gradcheck n_samples 0",
     lambda tmp: cr.gradcheck(lambda x: x.sum(), [T(1, dtype="float64", grad=True)], n_samples=0),
     ValueError, "gradcheck: n_samples must be a number > 0"),
    ("numerical_grad eps", lambda tmp: cr.numerical_grad(lambda x: x.sum(), [T(1, dtype="float64")], eps=-1),
     ValueError, "numerical_grad: eps must be a number > 0"),
    ("rel_error shapes", lambda tmp: cr.rel_error(np.ones(2), np.ones(3)), ShapeError,
     "rel_error: compares arrays of one shape, got (2,) and (3,)"),
    ("manual_seed negative", lambda tmp: cr.manual_seed(-1), ValueError, "manual_seed: the seed must be"),
    # --- nn: sizes and options -----------------------------------------------------------------------------
    ("Linear(0, 3)", lambda tmp: nn.Linear(0, 3), ConfigError, "Linear: in_features must be a positive integer, got 0"),
    ("Linear(3, 0)", lambda tmp: nn.Linear(3, 0), ConfigError, "Linear: out_features must be a positive integer"),
    ("Linear(-1, 3)", lambda tmp: nn.Linear(-1, 3), ConfigError, "got -1"),
    ("Linear(2.5, 3)", lambda tmp: nn.Linear(2.5, 3), TypeError, "Linear: in_features must be an integer, got 2.5"),
    ("Linear('3', 2)", lambda tmp: nn.Linear("3", 2), TypeError, "got '3'"),
    ("Linear input width", lambda tmp: nn.Linear(3, 2)(T(4, 5)), ShapeError,
     "Linear(in_features=3) got an input of shape (4, 5); its last dimension must be 3"),
    ("Linear images", lambda tmp: nn.Linear(3, 2)(T(4, 3, 2, 2)), ShapeError, "flatten images first"),
    ("Linear int input", lambda tmp: nn.Linear(3, 2)(T(4, 3, dtype="int64")), TypeError,
     "Linear needs a floating-point input, got dtype int64"),
    ("Linear uint8 input", lambda tmp: nn.Linear(3, 2)(np.ones((4, 3), np.uint8)), TypeError, "got dtype uint8"),
    ("MLP hidden 0", lambda tmp: nn.MLP(3, [0], 2), ConfigError, "MLP: every hidden size must be a positive integer"),
    ("MLP hidden negative", lambda tmp: nn.MLP(3, [-4], 2), ConfigError, "got [-4]"),
    ("MLP hidden fraction", lambda tmp: nn.MLP(3, [2.5], 2), TypeError, "got [2.5]"),
    ("MLP hidden float", lambda tmp: nn.MLP(3, [1e9], 2), TypeError, "must be an integer (as in torch.nn.Linear)"),
    ("MLP in_features float", lambda tmp: nn.MLP(3.0, [4], 2), TypeError, "MLP: in_features must be an integer"),
    ("MLP hidden str", lambda tmp: nn.MLP(3, "abc", 2), ConfigError, "MLP: hidden must be a list of layer sizes"),
    ("MLP in_features 0", lambda tmp: nn.MLP(0, [4], 2), ConfigError, "MLP: in_features must be a positive integer"),
    ("MLP out_features 0", lambda tmp: nn.MLP(3, [4], 0), ConfigError, "MLP: out_features must be a positive integer"),
    ("MLP activation", lambda tmp: nn.MLP(3, [4], 2, activation="relux"), ConfigError,
     "unknown activation 'relux'; valid names: relu, leaky_relu"),
    ("MLP dropout", lambda tmp: nn.MLP(3, [4], 2, dropout=1.5), ConfigError, "MLP: dropout must be in [0, 1)"),
    ("MLP.from_config not a dict", lambda tmp: nn.MLP.from_config(3), ConfigError, "expected a dict"),
    ("MLP.from_config key", lambda tmp: nn.MLP.from_config({"foo": 1}), ConfigError, "unknown keys ['foo']"),
    ("MLP.collapsed", lambda tmp: nn.MLP(3, [4], 2).collapsed(), ConfigError, "only activation=None collapses"),
    ("Dropout p > 1", lambda tmp: nn.Dropout(1.5), ConfigError, "Dropout: p must be a probability in [0, 1], got 1.5"),
    ("Dropout p < 0", lambda tmp: nn.Dropout(-0.1), ConfigError, "got -0.1"),
    ("Dropout p str", lambda tmp: nn.Dropout("a"), ConfigError, "got 'a'"),
    ("F.dropout p", lambda tmp: F.dropout(T(2), p=2), ValueError, "dropout: p must be a probability"),
    ("activation_by_name", lambda tmp: nn.activation_by_name("foo"), ConfigError,
     "unknown activation 'foo'; valid names: relu, leaky_relu, elu, gelu, silu, sigmoid, tanh, softplus, mish, prelu, relu6, hardtanh, none"),
    ("activation_by_name int", lambda tmp: nn.activation_by_name(3), ConfigError, "valid names"),
    ("LeakyReLU slope str", lambda tmp: nn.LeakyReLU("a"), ConfigError, "LeakyReLU: negative_slope must be a number"),
    ("ELU alpha str", lambda tmp: nn.ELU("a"), ConfigError, "ELU: alpha must be a number"),
    ("Softplus beta 0", lambda tmp: nn.Softplus(beta=0), ConfigError, "Softplus: beta must be > 0, got 0"),
    ("Softplus beta nan", lambda tmp: nn.Softplus(beta=float("nan")), ConfigError, "Softplus: beta must be a number"),
    ("F.softplus beta 0", lambda tmp: F.softplus(T(2), beta=0), ValueError, "softplus: beta must be > 0"),
    ("GELU approximate", lambda tmp: nn.GELU("x"), ConfigError, "GELU: approximate must be 'none' or 'tanh'"),
    ("F.gelu approximate", lambda tmp: F.gelu(T(2), "x"), ValueError, "gelu: approximate must be 'none' or 'tanh'"),
    ("Sequential of an int", lambda tmp: nn.Sequential(3), TypeError, "int is not a cr.nn.Module"),
    ("parameter slot gets a Tensor", lambda tmp: setattr(nn.Linear(2, 2), "weight", T(1)), TypeError,
     "cannot assign Tensor as parameter 'weight'"),
    ("load_state_dict shapes", lambda tmp: nn.Linear(2, 2).load_state_dict({"weight": np.ones((3, 3))}),
     CheckpointError, "weight: shape (3, 3) in the state dict, (2, 2) in the model"),
    ("load_state_dict not a dict", lambda tmp: nn.Linear(2, 2).load_state_dict(3), TypeError,
     "load_state_dict expects a mapping"),
    ("Module.to int", lambda tmp: nn.Linear(2, 2).to("int32"), TypeError, "only floating dtypes are supported"),
    ("kaiming on a bias", lambda tmp: nn.init.kaiming_normal_(T(3)), ValueError, "at least 2 dimensions"),
    ("kaiming mode", lambda tmp: nn.init.kaiming_normal_(T(3, 3), mode="x"), ValueError, "mode must be 'fan_in'"),
    ("calculate_gain", lambda tmp: nn.init.calculate_gain("foo"), ValueError, "unsupported nonlinearity 'foo'"),
    ("normal_ std", lambda tmp: nn.init.normal_(T(3), std=-1), ValueError, "normal_: std must be >= 0"),
    ("uniform_ bounds", lambda tmp: nn.init.uniform_(T(3), a=2, b=1), ValueError, "uniform_: need a <= b"),
    ("trunc_normal_ bounds", lambda tmp: nn.init.trunc_normal_(T(3), a=2, b=1), ValueError,
     "trunc_normal_: need a < b"),
    ("l2_penalty lam", lambda tmp: nn.l2_penalty(nn.Linear(2, 2), -1), ConfigError, "l2_penalty: lam must be a number"),
    ("l2_penalty model", lambda tmp: nn.l2_penalty(3, 0.1), TypeError, "l2_penalty: pass a Module or a list"),
    ("l2_penalty list of ints", lambda tmp: nn.l2_penalty([1, 2], 0.1), TypeError, "not int"),
    # --- losses --------------------------------------------------------------------------------------------
    ("CE label too big", lambda tmp: CE(T(2, 3), np.array([0, 3])), ValueError,
     "cross_entropy: label 3 is out of range for 3 classes"),
    ("CE label negative", lambda tmp: CE(T(2, 3), np.array([0, -1])), ValueError, "label -1 is out of range"),
    ("CE huge label", lambda tmp: CE(T(2, 3), np.array([0, 2**40])), ValueError, "label 1099511627776"),
    ("CE float labels", lambda tmp: CE(T(2, 3), np.array([0.0, 1.0])), TypeError,
     "cross_entropy: targets must be integer class indices, got dtype float64"),
    ("CE float tensor labels", lambda tmp: CE(T(2, 3), cr.tensor([0.0, 1.5])), TypeError, "got dtype float32"),
    ("CE bool labels", lambda tmp: CE(T(2, 3), np.array([True, False])), TypeError, "got dtype bool"),
    ("CE str labels", lambda tmp: CE(T(2, 3), ["a", "b"]), TypeError, "got dtype <U1"),
    ("CE labels shape", lambda tmp: CE(T(2, 3), np.array([0, 1, 2])), ShapeError,
     "cross_entropy: 2 rows of scores but targets of shape (3,)"),
    ("CE scores 1-D", lambda tmp: CE(T(3), np.array([0])), ShapeError, "scores must have shape (N, C), got (3,)"),
    ("CE empty batch", lambda tmp: CE(T(0, 3), np.array([], dtype=int)), ValueError,
     "cross_entropy: the batch is empty"),
    ("CE no classes", lambda tmp: CE(T(2, 0), Y01), ShapeError, "have no classes"),
    ("CE int scores", lambda tmp: CE(T(2, 3, dtype="int64"), Y01), TypeError,
     "cross_entropy: scores must be floating point, got dtype int64"),
    ("CE reduction", lambda tmp: CE(T(2, 3), Y01, reduction="avg"), ValueError,
     "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    ("CE label_smoothing", lambda tmp: CE(T(2, 3), Y01, label_smoothing=2), ValueError,
     "label_smoothing must be in [0, 1], got 2"),
    ("CE weight shape", lambda tmp: CE(T(2, 3), Y01, weight=np.ones(2)), ShapeError,
     "weight must have one entry per class, shape (3,), got (2,)"),
    ("CrossEntropyLoss label_smoothing", lambda tmp: nn.CrossEntropyLoss(label_smoothing=-1), ConfigError,
     "CrossEntropyLoss: label_smoothing must be in [0, 1], got -1"),
    ("CrossEntropyLoss reduction", lambda tmp: nn.CrossEntropyLoss(reduction="x"), ValueError,
     "CrossEntropyLoss: reduction must be"),
    ("nll label", lambda tmp: F.nll_loss(T(2, 3), np.array([0, 7])), ValueError, "nll_loss: label 7 is out of range"),
    ("nll float labels", lambda tmp: F.nll_loss(T(2, 3), np.array([0.5, 1])), TypeError, "nll_loss: targets must be"),
    ("nll empty batch", lambda tmp: F.nll_loss(T(0, 3), np.array([], dtype=int)), ValueError, "nll_loss: the batch"),
    ("nll 3-D scores", lambda tmp: F.nll_loss(T(2, 3, 4), Y01), ShapeError, "nll_loss: scores must have shape (N, C)"),
    ("margin label", lambda tmp: F.multi_margin_loss(T(2, 3), np.array([0, 3])), ValueError,
     "multi_margin_loss: label 3 is out of range"),
    ("margin float labels", lambda tmp: F.multi_margin_loss(T(2, 3), np.array([0.0, 1.0])), TypeError,
     "multi_margin_loss: targets must be integer"),
    ("margin p", lambda tmp: F.multi_margin_loss(T(2, 3), Y01, p=3), ValueError, "only p=1 and p=2"),
    ("margin empty batch", lambda tmp: F.multi_margin_loss(T(0, 3), np.array([], dtype=int)), ValueError,
     "multi_margin_loss: the batch is empty"),
    ("margin margin str", lambda tmp: F.multi_margin_loss(T(2, 3), Y01, margin="a"), TypeError,
     "multi_margin_loss: margin must be a number"),
    ("MultiMarginLoss p", lambda tmp: nn.MultiMarginLoss(p=3), ValueError, "MultiMarginLoss: only p=1 and p=2"),
    ("MultiMarginLoss margin", lambda tmp: nn.MultiMarginLoss(margin="a"), ConfigError,
     "MultiMarginLoss: margin must be a number"),
    ("bce shapes", lambda tmp: F.binary_cross_entropy(T(2, 1) * 0.5, np.ones(2)), ShapeError,
     "binary_cross_entropy: input has shape (2, 1) but target has shape (2,)"),
    ("bce not probabilities", lambda tmp: F.binary_cross_entropy(T(2) * 2, np.ones(2)), ValueError,
     "every input must be a probability in [0, 1]"),
    ("bce NaN", lambda tmp: F.binary_cross_entropy(cr.tensor([np.nan, 0.5]), np.ones(2)), ValueError,
     "must be a probability"),
    ("bce weight shape", lambda tmp: F.binary_cross_entropy(T(2) * 0.5, np.ones(2), weight=np.ones(3)), ShapeError,
     "binary_cross_entropy: weight of shape (3,) does not broadcast to the input's shape (2,)"),
    ("bce logits shapes", lambda tmp: F.binary_cross_entropy_with_logits(T(2, 1), np.ones(2)), ShapeError,
     "binary_cross_entropy_with_logits: input has shape (2, 1)"),
    ("bce logits str target", lambda tmp: F.binary_cross_entropy_with_logits(T(2), np.array(["a", "b"])), TypeError,
     "target must be numeric, got dtype <U1"),
    ("bce logits weight", lambda tmp: F.binary_cross_entropy_with_logits(T(2), np.ones(2), weight=np.ones(3)),
     ShapeError, "binary_cross_entropy_with_logits: weight of shape (3,) does not broadcast to the input's shape (2,)"),
    ("bce logits pos_weight",
     lambda tmp: F.binary_cross_entropy_with_logits(T(2, 3), np.ones((2, 3)), pos_weight=np.ones(2)),
     ShapeError, "pos_weight of shape (2,) does not broadcast to the input's shape (2, 3)"),
    ("BCEWithLogitsLoss pos_weight",
     lambda tmp: nn.BCEWithLogitsLoss(pos_weight=np.ones(4))(T(2, 3), np.ones((2, 3))), ShapeError,
     "pos_weight of shape (4,)"),
    ("mse shapes", lambda tmp: F.mse_loss(T(2, 1), T(2)), ShapeError, "mse_loss: input has shape (2, 1)"),
    ("mse reduction", lambda tmp: F.mse_loss(T(2), T(2), reduction="x"), ValueError, "mse_loss: reduction must be"),
    ("l1 shapes", lambda tmp: F.l1_loss(T(2, 1), T(2)), ShapeError, "l1_loss: input has shape (2, 1)"),
    ("mse empty batch", lambda tmp: F.mse_loss(T(0, 3), T(0, 3)), ValueError, "mse_loss: the batch is empty"),
    ("bce logits empty batch", lambda tmp: F.binary_cross_entropy_with_logits(T(0), np.ones(0)), ValueError,
     "binary_cross_entropy_with_logits: the batch is empty"),
    # --- optimizers ----------------------------------------------------------------------------------------
    ("SGD lr negative", lambda tmp: optim.SGD(P(), lr=-1), ConfigError, "SGD: invalid lr -1; it must be in [0, inf)"),
    ("SGD lr NaN", lambda tmp: optim.SGD(P(), lr=float("nan")), ConfigError, "SGD: lr must be a number, got nan"),
    ("SGD lr inf", lambda tmp: optim.SGD(P(), lr=float("inf")), ConfigError, "SGD: lr must be a finite number"),
    ("SGD lr str", lambda tmp: optim.SGD(P(), lr="0.1"), ConfigError, "SGD: lr must be a number, got '0.1'"),
    ("SGD momentum 1", lambda tmp: SGD(momentum=1), ConfigError, "SGD: invalid momentum 1; it must be in [0, 1)"),
    ("SGD momentum negative", lambda tmp: SGD(momentum=-0.5), ConfigError, "invalid momentum -0.5"),
    ("SGD dampening", lambda tmp: SGD(dampening=2), ConfigError, "invalid dampening 2"),
    ("SGD nesterov", lambda tmp: SGD(nesterov=True), ConfigError, "Nesterov momentum requires momentum > 0"),
    ("SGD weight_decay", lambda tmp: SGD(weight_decay=-1), ConfigError, "invalid weight_decay -1"),
    ("SGD no parameters", lambda tmp: optim.SGD([], lr=0.1), ValueError, "SGD got an empty parameter list"),
    ("SGD int parameter", lambda tmp: optim.SGD([cr.Tensor(np.zeros(2, int))], lr=0.1), TypeError,
     "SGD can only optimize floating-point tensors, got int64"),
    ("SGD given the model", lambda tmp: optim.SGD(nn.Linear(2, 2), lr=0.1), TypeError, "pass model.parameters()"),
    ("SGD given a number", lambda tmp: optim.SGD(3, lr=0.1), TypeError, "params must be an iterable of tensors"),
    ("SGD given one tensor", lambda tmp: optim.SGD(P()[0], lr=0.1), TypeError, "got a single Tensor"),
    ("SGD non-leaf", lambda tmp: optim.SGD([P()[0] * 2], lr=0.1), ValueError, "can't optimize a non-leaf tensor"),
    ("SGD step gradient shape", lambda tmp: step_with_grad((3,)), ValueError,
     "SGD: a gradient of shape (3,) for a parameter of shape (2,)"),
    ("Adam beta2 = 1", lambda tmp: optim.Adam(P(), betas=(0.9, 1.0)), ConfigError, "invalid beta2 (betas[1]) 1.0"),
    ("Adam beta1 < 0", lambda tmp: optim.Adam(P(), betas=(-0.1, 0.9)), ConfigError, "invalid beta1 (betas[0]) -0.1"),
    ("Adam one beta", lambda tmp: optim.Adam(P(), betas=(0.9,)), ConfigError, "Adam: betas must be a pair"),
    ("Adam betas a number", lambda tmp: optim.Adam(P(), betas=0.9), ConfigError, "Adam: betas must be a pair"),
    ("Adam eps", lambda tmp: optim.Adam(P(), eps=-1), ConfigError, "Adam: invalid eps -1"),
    ("AdamW lr", lambda tmp: optim.AdamW(P(), lr=-1), ConfigError, "AdamW: invalid lr -1"),
    ("RMSprop alpha", lambda tmp: optim.RMSprop(P(), alpha=1.5), ConfigError, "RMSprop: invalid alpha 1.5"),
    ("RMSprop momentum", lambda tmp: optim.RMSprop(P(), momentum=1), ConfigError, "RMSprop: invalid momentum 1"),
    ("optimizer state of another shape",
     lambda tmp: SGD().load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]}),
     CheckpointError, "the saved state has 2 parameter groups, this optimizer has 1"),
    ("optimizer state malformed",
     lambda tmp: SGD().load_state_dict({"state": {0: 5}, "param_groups": [{"params": [0]}]}),
     CheckpointError, "'state' must map parameter indices to dicts"),
    # --- schedulers ----------------------------------------------------------------------------------------
    ("StepLR step_size 0", lambda tmp: S.StepLR(SGD(), step_size=0), ConfigError,
     "StepLR: step_size must be an integer >= 1, got 0"),
    ("StepLR gamma", lambda tmp: S.StepLR(SGD(), step_size=1, gamma=-1), ConfigError, "StepLR: invalid gamma -1"),
    ("StepLR not an optimizer", lambda tmp: S.StepLR("x", step_size=1), TypeError, "str is not a chainrule Optimizer"),
    ("MultiStepLR milestone str", lambda tmp: S.MultiStepLR(SGD(), milestones=["a"]), ConfigError,
     "MultiStepLR: milestones must be integers >= 0, got 'a'"),
    ("MultiStepLR milestone negative", lambda tmp: S.MultiStepLR(SGD(), milestones=[-1]), ConfigError, "got -1"),
    ("MultiStepLR milestones number", lambda tmp: S.MultiStepLR(SGD(), milestones=5), ConfigError,
     "milestones must be a list of step numbers"),
    ("ExponentialLR gamma", lambda tmp: S.ExponentialLR(SGD(), gamma="a"), ConfigError, "gamma must be a number"),
    ("CosineAnnealingLR T_max", lambda tmp: S.CosineAnnealingLR(SGD(), T_max=0), ConfigError,
     "T_max must be an integer >= 1"),
    ("LinearLR start 0", lambda tmp: S.LinearLR(SGD(), start_factor=0), ConfigError, "invalid start_factor 0"),
    ("LinearLR total_iters", lambda tmp: S.LinearLR(SGD(), total_iters=0), ConfigError, "total_iters must be"),
    ("LambdaLR not callable", lambda tmp: S.LambdaLR(SGD(), lr_lambda=3), TypeError,       # torch: TypeError
     "LambdaLR: lr_lambda should be a function of the step"),
    ("OneCycleLR max_lr", lambda tmp: S.OneCycleLR(SGD(momentum=0.9), max_lr=-1, total_steps=10), ConfigError,
     "OneCycleLR: invalid max_lr -1"),
    ("OneCycleLR total_steps", lambda tmp: S.OneCycleLR(SGD(momentum=0.9), max_lr=1, total_steps=0), ConfigError,
     "total_steps must be an integer >= 1"),
    ("OneCycleLR pct_start", lambda tmp: S.OneCycleLR(SGD(momentum=0.9), max_lr=1, total_steps=10, pct_start=2),
     ConfigError, "invalid pct_start 2"),
    ("OneCycleLR no length", lambda tmp: S.OneCycleLR(SGD(momentum=0.9), max_lr=1), ConfigError,
     "give total_steps, or both epochs and steps_per_epoch"),
    ("OneCycleLR anneal", lambda tmp: S.OneCycleLR(SGD(momentum=0.9), max_lr=1, total_steps=10, anneal_strategy="x"),
     ConfigError, "anneal_strategy must be 'cos' or 'linear'"),
    ("OneCycleLR div_factor", lambda tmp: S.OneCycleLR(SGD(momentum=0.9), max_lr=1, total_steps=10, div_factor=0),
     ConfigError, "invalid div_factor 0"),
    ("OneCycleLR momentum", lambda tmp: S.OneCycleLR(SGD(momentum=0.9), max_lr=1, total_steps=10, max_momentum="x"),
     ConfigError, "OneCycleLR: base_momentum / max_momentum must be a number"),
    ("SequentialLR empty", lambda tmp: S.SequentialLR(SGD(), [], []), ConfigError, "expects at least one scheduler"),
    ("scheduler state of another kind", lambda tmp: S.StepLR(SGD(), 2).load_state_dict({"T_max": 3}),
     CheckpointError, "StepLR.load_state_dict: unknown entries ['T_max']"),
    ("scheduler state wrong type", lambda tmp: S.StepLR(SGD(), 2).load_state_dict({"last_epoch": "x"}),
     CheckpointError, "StepLR.load_state_dict: 'last_epoch' is 'x'"),
    ("optimizer name (train settings)", lambda tmp: resolve({"optimizer": "adamax"}), ConfigError,
     "unknown optimizer 'adamax'; valid names are sgd, momentum, nesterov, rmsprop, adam, adamw"),
    ("schedule name (train settings)", lambda tmp: resolve({"schedule": "poly"}), ConfigError,
     "unknown schedule 'poly'; valid names are none, step, exp, cosine, onecycle"),
    ("activation name (train settings)", lambda tmp: resolve({"activation": "softsign"}), ConfigError,
     "unknown activation 'softsign'; valid names are relu"),
    ("dataset name (train settings)", lambda tmp: resolve({"dataset": "imagenet"}), ConfigError,
     "unknown dataset 'imagenet'; valid names are spiral"),
    # --- data ----------------------------------------------------------------------------------------------
    ("load_dataset name", lambda tmp: data.load_dataset("foo"), ConfigError,
     "Unknown data set 'foo'; valid names are spiral, moons, circles, xor, noisy-spiral, cifar10, fashion-mnist, mnist"),
    ("load_dataset name int", lambda tmp: data.load_dataset(3), ConfigError, "is not a string; valid names are"),
    ("load_dataset val_size", lambda tmp: data.load_dataset("spiral", val_size=-1), ConfigError,
     "val_size=-1 is not a count >= 0"),
    ("load_dataset val_size str", lambda tmp: data.load_dataset("spiral", val_size="a"), ConfigError,
     "val_size='a' is not a count"),
    ("load_dataset normalize", lambda tmp: data.load_dataset("spiral", normalize="foo"), ConfigError,
     "Unknown normalize mode 'foo'; use one of none, scale"),
    ("load_dataset split", lambda tmp: data.load_dataset("spiral", split="foo"), ConfigError,
     "Unknown split method 'foo'; use one of stratified, random, last"),
    ("load_dataset seed", lambda tmp: data.load_dataset("spiral", seed=-1), ConfigError, "seed=-1 is not an integer"),
    ("load_dataset seed str", lambda tmp: data.load_dataset("spiral", seed="a"), ConfigError, "seed='a'"),
    ("load_dataset toy option", lambda tmp: data.load_dataset("spiral", foo=1), ConfigError,
     "Bad option for data set 'spiral'"),
    ("load_dataset option for files", lambda tmp: data.load_dataset("mnist", noise=1), ConfigError,
     "they apply to the toy sets only"),
    ("load_dataset n_per_class 0", lambda tmp: data.load_dataset("spiral", n_per_class=0), ConfigError,
     "n_per_class=0 is not a positive integer"),
    ("load_dataset folder", lambda tmp: data.load_dataset(f"folder:{tmp}/none"), DataError, "no such folder"),
    ("load_dataset missing", lambda tmp: data.load_dataset("mnist", data_dir=tmp, cache=tmp), DataError,
     "mnist not found"),
    ("spiral n_per_class 0", lambda tmp: data.spiral(n_per_class=0), ConfigError, "n_per_class=0"),
    ("spiral n_classes 0", lambda tmp: data.spiral(n_classes=0), ConfigError, "n_classes=0 is not a positive integer"),
    ("spiral n_per_class bool", lambda tmp: data.spiral(n_per_class=True), ConfigError, "n_per_class=True"),
    ("spiral noise", lambda tmp: data.spiral(noise=-1), ConfigError, "noise=-1 is negative or not a number"),
    ("moons noise str", lambda tmp: data.moons(noise="a"), ConfigError, "noise='a'"),
    ("circles factor", lambda tmp: data.circles(factor=2), ConfigError, "factor=2 is outside (0, 1)"),
    ("xor n_per_class str", lambda tmp: data.xor(n_per_class="a"), ConfigError, "n_per_class='a'"),
    ("Dataset lengths", lambda tmp: data.Dataset(np.ones((3, 2)), np.array([0, 1])), DataError,
     "has X of shape (3, 2) and y of shape (2,)"),
    ("Dataset NaN checked", lambda tmp: data.Dataset(np.array([[1.0, np.nan]]), [0], check_finite=True), DataError,
     "1 of 2 values are NaN or infinite (the first at index (0, 1))"),
    ("Dataset inf checked", lambda tmp: data.Dataset(np.array([[np.inf, 1.0]]), [0], check_finite=True), DataError,
     "NaN or infinite"),
    ("Dataset labels negative", lambda tmp: data.Dataset(np.ones((2, 2)), np.array([0, -1])), DataError,
     "labels in [-1, 0]"),
    ("Dataset labels fractional", lambda tmp: data.Dataset(np.ones((2, 2)), np.array([0, 0.5])), DataError,
     "non-integer labels"),
    ("Dataset labels str", lambda tmp: data.Dataset(np.ones((2, 2)), np.array(["a", "b"])), DataError,
     "labels of dtype <U1"),
    ("Dataset X str", lambda tmp: data.Dataset(np.array([["a", "b"]]), np.array([0])), DataError,
     "X is not an array of numbers (it holds values of dtype <U1)"),
    ("DataLoader batch_size 0", lambda tmp: data.DataLoader(XY(), batch_size=0), ConfigError,
     "batch_size=0 is not an integer >= 1"),
    ("DataLoader batch_size str", lambda tmp: data.DataLoader(XY(), batch_size="a"), ConfigError, "batch_size='a'"),
    ("DataLoader batch_size None", lambda tmp: data.DataLoader(XY(), batch_size=None), ConfigError, "batch_size=None"),
    ("DataLoader batch_size fraction", lambda tmp: data.DataLoader(XY(), batch_size=2.5), ConfigError,
     "batch_size=2.5"),
    ("DataLoader data", lambda tmp: data.DataLoader(3, batch_size=2), ConfigError, "DataLoader needs a Dataset"),
    ("DataLoader shards", lambda tmp: data.DataLoader(XY(), batch_size=3, num_shards=2), ConfigError,
     "batch_size=3 cannot be split evenly across 2 shards"),
    ("DataLoader state missing", lambda tmp: data.DataLoader(XY(), batch_size=1).load_state_dict({}), ConfigError,
     "must be a dict with 'seed', 'epoch' and 'batch'"),
    ("DataLoader state seed",
     lambda tmp: data.DataLoader(XY(), batch_size=1).load_state_dict({"seed": "x", "epoch": 0, "batch": 0}),
     ConfigError, "seed='x' is not an integer"),
    ("Preprocessor mode", lambda tmp: data.Preprocessor("foo"), ConfigError, "Unknown normalize mode 'foo'"),
    ("Preprocessor unfitted", lambda tmp: data.Preprocessor("standardize").transform(np.ones((2, 2))), ConfigError,
     "not fitted"),
    ("Preprocessor empty fit", lambda tmp: data.Preprocessor("standardize").fit(np.ones((0, 2))), DataError,
     "pass at least one training sample"),
    ("Preprocessor sample shape",
     lambda tmp: data.Preprocessor("standardize").fit(np.ones((3, 2))).transform(np.ones((3, 5))),
     DataError, "Samples of shape (5,) given to a Preprocessor fitted on (2,)"),
    ("train_val_split size", lambda tmp: data.train_val_split(np.array([0, 1, 0]), 5), ConfigError,
     "val_size=5 does not fit the 3 training samples"),
    ("train_val_split method", lambda tmp: data.train_val_split(np.array([0, 1, 0]), 1, method="x"), ConfigError,
     "Unknown split method 'x'"),
    ("RandomCrop padding", lambda tmp: data.RandomCrop(-1), ConfigError, "padding=-1 is not a non-negative integer"),
    ("RandomHorizontalFlip p", lambda tmp: data.RandomHorizontalFlip(p=2), ConfigError, "p=2 is not a probability"),
    ("fetch name", lambda tmp: data.fetch("foo"), ConfigError,
     "No download is known for 'foo'; choose one of cifar10, cifar10-binary, fashion-mnist, mnist"),
    ("download checksum", lambda tmp: data.download("http://x", tmp / "x", "abc"), ConfigError,
     "sha256='abc' is not a 64-digit hex SHA-256"),
    ("download scheme", lambda tmp: data.download("file:///etc/passwd", tmp / "x", "0" * 64), ConfigError,
     "only http:// and https:// URLs are supported"),
    ("read_idx missing", lambda tmp: data.read_idx(tmp / "none"), DataError, "none: no such file"),
    ("parse_idx junk", lambda tmp: data.parse_idx(b"abc", "f.idx"), DataError, "f.idx: truncated"),
    ("parse_idx magic", lambda tmp: data.parse_idx(b"\x01\x00\x08\x01\x00\x00\x00\x00", "f.idx"), DataError,
     "f.idx: not an IDX file"),
    ("read_binary_batch", lambda tmp: data.read_binary_batch(b"abc", "data_batch_1.bin"), DataError,
     "data_batch_1.bin: size 3 bytes is not a positive multiple of the 3073-byte record"),
    ("read_python_batch", lambda tmp: data.read_python_batch(b"abc", "data_batch_1"), DataError,
     "data_batch_1: not a valid pickle"),
    ("decode_image", lambda tmp: data.decode_image(b"abc", "cat.png"), DataError, "cat.png: cannot decode the image"),
    ("decode_images none", lambda tmp: data.decode_images([]), DataError, "No images to decode"),
    ("list_tar not a tar", lambda tmp: data.list_tar(junk(tmp)), DataError, "junk.bin: not a readable tar archive"),
    ("load_image_folder missing", lambda tmp: data.load_image_folder(tmp / "none"), DataError,
     "none: no such folder or archive"),
    # --- files ---------------------------------------------------------------------------------------------
    ("save an int", lambda tmp: cr.save(3, tmp / "a.safetensors"), TypeError,
     "save: expected a Module or a state dict"),
    ("save metadata", lambda tmp: cr.save(nn.Linear(2, 2), tmp / "a.safetensors", metadata={"a": object()}),
     CheckpointError, "metadata is not JSON-serialisable"),
    ("load a tiny file", lambda tmp: cr.load(junk(tmp)), CheckpointError, "junk.bin: 5 bytes is too small"),
    ("load random bytes", lambda tmp: cr.load(junk(tmp, b"\x10" + b"\x00" * 7 + b"{not json}" + b"\x00" * 6)),
     CheckpointError, "junk.bin: the header is not valid JSON"),
    ("read_metadata tiny file", lambda tmp: cr.io.read_metadata(junk(tmp)), CheckpointError, "too small"),
    ("load_checkpoint of a model", lambda tmp: cr.io.load_checkpoint(saved_model(tmp)), CheckpointError,
     "is a model file, not a checkpoint; load it with chainrule.load"),
    ("load into the wrong model", lambda tmp: cr.load(saved_model(tmp), model=nn.Linear(3, 2)), CheckpointError,
     "weight: shape (2, 2) in the state dict, (2, 3) in the model"),
]

# What a message must never be: NumPy's or Python's own words, which do not say what the user did wrong.
RAW = ("operands could not be broadcast together", "invalid literal for int()", "object is not iterable",
       "could not convert string to float", "did not contain a loop with signature", "unsupported operand type",
       "object has no attribute", "object is not callable", "float division by zero", "Unable to allocate",
       "negative dimensions are not allowed", "cannot be interpreted as an integer", "Traceback")
ALLOWED = (ChainruleError, TypeError, ValueError, RuntimeError)


def clear(message: str) -> bool:
    """One clear sentence (a list of findings may follow on indented lines): it says something, ends like a
    sentence, and is not NumPy's or Python's raw complaint."""
    lines = message.strip().splitlines() or [""]
    first = lines[0]
    ends = first.rstrip()[-1:] in (".", "?", ")") if len(lines) == 1 else first.endswith(":")
    return len(first) >= 15 and ends and not any(r in message for r in RAW)


@pytest.mark.parametrize("call,kind,fragment", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_gets_one_clear_sentence(tmp_path, call, kind, fragment):
    with pytest.raises(ALLOWED) as info:
        call(tmp_path)
    message = str(info.value)
    assert isinstance(info.value, kind), f"{type(info.value).__name__} ({message}), expected {kind.__name__}"
    assert fragment in message, message
    assert clear(message), message


def test_the_table_is_large_and_unique():
    ids = [r[0] for r in ROWS]
    assert len(ids) == len(set(ids)) and len(ids) >= 200

