"""Functional forms of activations and losses, as ``torch.nn.functional``: ``import chainrule.nn.functional as F``."""
from __future__ import annotations

import numpy as np

from ..autograd import bump_version
from ..errors import IndexRangeError, ShapeError
from ..ops import elementwise as _ew
from ..ops import fused as _fused
from ..ops import reduce as _red
from ..ops import registry as _registry
from ..ops.registry import raw
from ..ops import shape as _shp
from ..random import generator as _generator
from ..tensor import Tensor
from ._reduction import _as_float_target, _check_reduction, _check_same_shape, _dtype, _reduce
from .functional_activations import hardtanh, logsigmoid, mish, prelu, relu6
from .functional_losses import huber_loss, kl_div, smooth_l1_loss
from .functional_norm import batch_norm, cosine_similarity, layer_norm, normalize

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax",
           "log_softmax", "linear", "cross_entropy", "nll_loss", "multi_margin_loss",
           "binary_cross_entropy_with_logits", "binary_cross_entropy", "mse_loss", "l1_loss", "dropout", "pad",
           "one_hot", "embedding", "logsigmoid", "hardtanh", "relu6", "mish", "prelu", "smooth_l1_loss", "huber_loss",
           "kl_div", "batch_norm", "layer_norm", "normalize", "cosine_similarity"]


def relu(x):
    """max(0, x)."""
    return _ew.relu(x)


def leaky_relu(x, negative_slope: float = 0.01):
    """max(negative_slope * x, x)."""
    return _ew.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha: float = 1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _ew.elu(x, alpha=alpha)


def gelu(x, approximate: str = "none"):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}.")
    return _ew.gelu(x, approximate=approximate)


def silu(x):
    """x * sigmoid(x)."""
    return _ew.silu(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), stable for any x."""
    return _ew.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent."""
    return _ew.tanh(x)


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""
    if not beta > 0:
        raise ValueError(f"softplus: beta must be > 0, got {beta!r}.")
    return _ew.softplus(x, beta=beta, threshold=threshold)


def softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):
    """Probabilities along ``dim`` (the last by default; PyTorch guesses it with a warning)."""
    return _red.softmax(_cast(input, dtype), axis=_registry.one_of("softmax", "dim", dim, "axis", axis, -1))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):
    """Log-probabilities along ``dim`` (the last by default)."""
    return _red.log_softmax(_cast(input, dtype), axis=_registry.one_of("log_softmax", "dim", dim, "axis", axis, -1))


def _cast(x, dtype):
    return x if dtype is None else (x.astype(dtype) if isinstance(x, Tensor) else np.asarray(x, dtype))


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight of shape (out_features, in_features)."""
    return _fused.linear(x, weight, bias)


def _check_targets(scores, target, name, ignore_index=None):
    """Validate (N, C) scores and N integer labels; return the labels and the mask of the rows labelled
    ``ignore_index`` (``None`` when no row is)."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if scores.ndim != 2:
        raise ShapeError(f"{name}: scores must have shape (N, C), got {tuple(scores.shape)}.")
    if scores.dtype.kind != "f":
        raise TypeError(f"{name}: scores must be floating point, got dtype {scores.dtype}; convert them with "
                        f".astype('float32').")
    n, c = scores.shape
    if c == 0:
        raise ShapeError(f"{name}: scores of shape {tuple(scores.shape)} have no classes; C must be >= 1.")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: targets must be integer class indices, got dtype {t.dtype}; "
                        f"convert them with .astype(int).")
    if t.shape != (n,):
        raise ShapeError(f"{name}: {n} rows of scores but targets of shape {t.shape}; "
                         f"pass one integer label per row.")
    if n == 0:
        raise ValueError(f"{name}: the batch is empty.")
    lowest = t.min()
    if lowest < 0 or t.max() >= c:                       # two reductions on the common, valid path
        out_of_range = (t < 0) | (t >= c)
        if ignore_index is not None:
            out_of_range &= t != ignore_index
        if out_of_range.any():
            bad = t[out_of_range][0]
            raise ValueError(f"{name}: label {bad} is out of range for {c} classes "
                             f"(labels must be in 0..{c - 1}).")
    # Every label is now a class or ignore_index: some row is ignored only if ignore_index is a class or a
    # label is negative.
    if ignore_index is not None and (0 <= ignore_index < c or lowest < 0):
        ignored = t == ignore_index
        if ignored.any():
            return t, ignored
    return t, None


# --- losses -----------------------------------------------------------------------------------------------
# Every loss takes ``reduction='mean' | 'sum' | 'none'`` as in PyTorch. The fused cross-entropy kernel does the
# common case; the rest are compositions of differentiable ops, so their gradients come from the table.

def _class_weight(weight, n_classes, name, dtype):
    if weight is None:
        return None
    w = np.asarray(raw(weight)).astype(dtype, copy=False)
    if w.shape != (n_classes,):
        raise ShapeError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}.")
    return w


def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0):
    """Softmax cross-entropy of (N, C) scores and N integer labels (or (N, C) class probabilities), stable, as
    ``torch.nn.functional.cross_entropy``.

    Its gradient with respect to the scores is ``softmax(scores) - onehot(target)`` (divided by N for
    ``reduction='mean'``). ``weight`` rescales each class, rows whose label is ``ignore_index`` count for
    nothing, and ``label_smoothing`` mixes the one-hot target with the uniform distribution. Without weights
    or ignored rows this runs the fused kernel (one pass, the forward's probabilities reused by backward);
    otherwise it is ``nll_loss(log_softmax(input), ...)`` plus PyTorch's smoothing term.
    """
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}.")
    t = np.asarray(raw(target))
    if t.dtype.kind == "f" and t.ndim == input.ndim:      # class probabilities
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing)
    t, ignored = _check_targets(input, target, "cross_entropy", ignore_index)
    if weight is None and ignored is None:
        return _fused.cross_entropy(input, t, reduction=reduction, label_smoothing=label_smoothing)
    if ignored is None:
        ignored = np.zeros(t.shape, dtype=bool)
    n_classes = input.shape[1]
    w = _class_weight(weight, n_classes, "cross_entropy", _dtype(input))
    logp = _red.log_softmax(input, axis=1)
    nll = nll_loss(logp, t, weight=w, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    keep = (~ignored).astype(_dtype(input))
    weighted = logp * w if w is not None else logp
    smooth = -(_red.sum(weighted, axis=1) * keep)          # per row; 0 where the label is ignored
    if reduction == "mean":
        denom = (w[np.where(ignored, 0, t)] * keep).sum() if w is not None else keep.sum()
        smooth = smooth.sum() / float(denom)
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _soft_cross_entropy(input, target, weight, reduction, label_smoothing):
    """Cross-entropy against class probabilities (``target`` of the scores' shape), as PyTorch:
    ``-sum_c weight_c target_c log_softmax(input)_c`` per row, ``'mean'`` dividing by N."""
    if input.ndim != 2:
        raise ShapeError(f"cross_entropy: scores must have shape (N, C), got {tuple(input.shape)}.")
    if np.shape(raw(target)) != tuple(input.shape):
        raise ShapeError(f"cross_entropy: probability targets must have the scores' shape {tuple(input.shape)}, "
                         f"got {np.shape(raw(target))}; integer targets are class indices.")
    n, n_classes = input.shape
    if n == 0:
        raise ValueError("cross_entropy: the batch is empty.")
    dtype = _dtype(input)
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=dtype)
    elif target.dtype != dtype:
        target = target.astype(dtype)
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = _red.log_softmax(input, axis=1) * target
    w = _class_weight(weight, n_classes, "cross_entropy", dtype)
    if w is not None:
        terms = terms * w
    return _reduce(-_red.sum(terms, axis=1), reduction)


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    """Negative log-likelihood of (N, C) log-probabilities: ``-input[i, target[i]]``, as in PyTorch.

    With ``weight`` each row counts ``weight[target[i]]`` and ``'mean'`` divides by the sum of those weights;
    rows labelled ``ignore_index`` count for nothing.
    """
    _check_reduction(reduction, "nll_loss")
    t, ignored = _check_targets(input, target, "nll_loss", ignore_index)
    dtype = _dtype(input)
    w = _class_weight(weight, input.shape[1], "nll_loss", dtype)
    safe_t = t if ignored is None else np.where(ignored, 0, t)
    picked = _shp.getitem(input, index=(np.arange(t.shape[0]), safe_t))       # the router: one score per row
    if w is None and ignored is None:
        return _reduce(-picked, reduction)
    row_w = w[safe_t] if w is not None else np.ones(t.shape, dtype=dtype)
    if ignored is not None:
        row_w = row_w * ~ignored
    loss = -picked * row_w.astype(dtype, copy=False)
    if reduction == "mean":
        return loss.sum() / float(row_w.sum())
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean"):
    """The multiclass SVM (hinge) loss of CS231n, normalised as in PyTorch.

    Row i: ``sum_{j != y_i} max(0, margin - s[i, y_i] + s[i, j])**p / C``. CS231n's SVM loss is the same sum
    without the ``/ C``: multiply by ``C``. ``weight[y_i]`` rescales row i. The gradient at a margin of exactly
    0 is 0 (the relu convention).
    """
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p=1 and p=2 are supported, got {p!r}.")
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.number)):
        raise TypeError(f"multi_margin_loss: margin must be a number, got {margin!r}.")
    t, _ = _check_targets(input, target, "multi_margin_loss")
    n, c = input.shape
    dtype = _dtype(input)
    rows = np.arange(n)
    correct = _shp.getitem(input, index=(rows, t)).reshape(n, 1)
    others = np.ones((n, c), dtype=dtype)
    others[rows, t] = 0                                   # the correct class contributes no margin
    hinge = _ew.relu(input - correct + margin) * others
    if p == 2:
        hinge = hinge * hinge
    w = _class_weight(weight, c, "multi_margin_loss", dtype)
    if w is not None:
        hinge = hinge * w[t].reshape(n, 1)
    return _reduce(hinge.sum(axis=1) * (1.0 / c), reduction)


def _check_broadcasts_to(w, input, name, what):
    """A ShapeError unless the optional per-element ``w`` broadcasts to the input's shape (weights rescale, never grow)."""
    if w is None:
        return
    shape, wshape = tuple(np.shape(input)), tuple(np.shape(w))
    try:
        ok = np.broadcast_shapes(wshape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"{name}: {what} of shape {wshape} does not broadcast to the input's shape {shape}.")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable formula, as in PyTorch.

    ``loss = softplus(x) - y x`` (``softplus(x) = log(1 + e^x)``, computed without overflow for any x), and
    with ``pos_weight``: ``(1 + (pos_weight - 1) y) softplus(x) - pos_weight y x``. ``weight`` rescales each
    element. Its gradient is ``sigmoid(x) - y``.
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _check_same_shape(input, target, "binary_cross_entropy_with_logits", reduction)
    y = _as_float_target(target, input, "binary_cross_entropy_with_logits")
    _check_broadcasts_to(weight, input, "binary_cross_entropy_with_logits", "weight")
    _check_broadcasts_to(pos_weight, input, "binary_cross_entropy_with_logits", "pos_weight")
    sp = _ew.softplus(input, beta=1.0, threshold=np.inf)
    if pos_weight is None:
        loss = sp - input * y
    else:
        pw = np.asarray(raw(pos_weight)).astype(_dtype(input), copy=False)
        loss = (y * (pw - 1) + 1) * sp - input * (y * pw)
    if weight is not None:
        loss = loss * np.asarray(raw(weight)).astype(_dtype(input), copy=False)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """``-(y log p + (1 - y) log(1 - p))`` of probabilities ``p`` in [0, 1]; logs clamped at -100 as in PyTorch.

    Prefer :func:`binary_cross_entropy_with_logits` on scores: it is stable where this saturates.
    """
    _check_reduction(reduction, "binary_cross_entropy")
    _check_same_shape(input, target, "binary_cross_entropy", reduction)
    rp = np.asarray(raw(input))
    if rp.size and not ((rp >= 0) & (rp <= 1)).all():
        raise ValueError("binary_cross_entropy: every input must be a probability in [0, 1]; apply sigmoid "
                         "first, or use binary_cross_entropy_with_logits on the scores.")
    y = _as_float_target(target, input, "binary_cross_entropy")
    _check_broadcasts_to(weight, input, "binary_cross_entropy", "weight")
    loss = _fused.binary_cross_entropy(input, y)    # one op, the value and gradient of the clamped-log composition
    if weight is not None:
        loss = loss * np.asarray(raw(weight)).astype(_dtype(input), copy=False)
    return _reduce(loss, reduction)


def mse_loss(input, target, reduction: str = "mean"):
    """Squared error ``(input - target)**2``; shapes must match exactly."""
    _check_reduction(reduction, "mse_loss")
    _check_same_shape(input, target, "mse_loss", reduction)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction: str = "mean"):
    """Absolute error ``|input - target|`` (gradient 0 where they are equal); shapes must match exactly."""
    _check_reduction(reduction, "l1_loss")
    _check_same_shape(input, target, "l1_loss", reduction)
    return _reduce(_ew.abs(input - target), reduction)


# --- dropout ----------------------------------------------------------------------------------------------

def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The expectation is unchanged, so evaluation (``training=False``) is the identity. The mask is drawn from
    chainrule's seeded generator (:func:`chainrule.manual_seed` repeats it) as one float array of 0 and
    ``1 / (1 - p)``, and the input is multiplied by it: backward multiplies by the same mask. ``inplace`` is
    accepted for PyTorch compatibility and ignored (the result is always a new tensor).
    """
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}.")
    if not training or p == 0:
        return input
    arr = np.asarray(raw(input))
    dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if p == 1:
        return _ew.mul(input, np.zeros(arr.shape, dtype=dtype))
    mask = _generator().random(arr.shape, dtype=dtype)
    np.greater_equal(mask, p, out=mask)    # 1 with probability 1 - p (kept), else 0, in place
    mask *= 1.0 / (1.0 - p)
    return _ew.mul(input, mask)


# --- padding and one-hot --------------------------------------------------------------------------------------

def _source_positions(mode, n, before, after):
    """For each padded position along a dimension of size ``n``, the input position it copies."""
    positions = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    if mode == "circular":
        return positions % n
    period = 2 * (n - 1)                              # reflect: mirror at the edges without repeating them
    folded = positions % period if period else np.zeros_like(positions)
    return np.where(folded < n, folded, period - folded)


def pad(input, pad, mode: str = "constant", value=None):
    """Pad (or, with negative sizes, crop) ``input``: ``pad`` holds (left, right) pairs starting from the last
    dimension. ``mode`` 'constant' fills with ``value`` (0 by default); 'reflect', 'replicate' and 'circular'
    copy input values, and their gradients add up where a value was copied more than once."""
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        return _shp.constant_pad(input, pad=pad, value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}.")
    if value:
        raise ValueError(f"pad: value is only used with mode='constant', not {mode!r}.")
    shape = np.shape(raw(input))
    out = input
    for d, (before, after) in enumerate(_shp.pad_widths(pad, shape)):
        if not before and not after:
            continue
        n, limit = shape[d], shape[d] - (mode == "reflect")
        if before < 0 or after < 0 or max(before, after) > limit or n == 0:
            raise ShapeError(f"pad: {mode} padding ({before}, {after}) of dimension {d} must be >= 0 and at most "
                             f"{limit} for its size {n}.")
        out = _shp.getitem(out, index=(slice(None),) * d + (_source_positions(mode, n, before, after),))
    return out


def one_hot(tensor, num_classes: int = -1):
    """int64 one-hot rows: a new last dimension of ``num_classes`` (max + 1 by default), 1 at each class."""
    return _shp.one_hot(tensor, num_classes=num_classes)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False):
    """Rows of the (num_embeddings, embedding_dim) ``weight`` looked up by the integer ``input``: the result
    has the input's shape plus ``embedding_dim``. The gradient of a row is the sum of the gradients of its
    lookups; the ``padding_idx`` row gets none. ``max_norm`` first rescales, in place, every looked-up row
    whose ``norm_type``-norm exceeds it (as PyTorch)."""
    w, idx = np.asarray(raw(weight)), np.asarray(raw(input))
    if w.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {w.shape}.")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers (int64 or int32), got dtype {idx.dtype}.")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not provided.")
    if idx.size and (idx.min() < 0 or idx.max() >= w.shape[0]):
        raise IndexRangeError(f"embedding: index out of range: indices must be in 0..{w.shape[0] - 1}, got "
                              f"{idx.min() if idx.min() < 0 else idx.max()}.")
    if max_norm is not None:
        _renorm_rows(weight, np.unique(idx), max_norm, norm_type)
        w = np.asarray(raw(weight))
    rows = _shp.getitem(weight, index=idx)
    if padding_idx is None:
        return rows
    padding_idx = padding_idx + w.shape[0] if padding_idx < 0 else padding_idx
    padded = (idx == padding_idx)[..., None]
    return _ew.where(padded, w[idx], rows) if padded.any() else rows


def _renorm_rows(weight, rows, max_norm, norm_type):
    """Scale ``weight[rows]`` in place (outside the graph) to norm ``max_norm`` where it is larger."""
    arr = np.asarray(raw(weight))
    norms = np.linalg.norm(arr[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(arr.dtype)
    arr[rows] *= scale[:, None]
    if isinstance(weight, Tensor):
        bump_version(weight)
