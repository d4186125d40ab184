"""Numerical gradients as a check, never for training: ``numerical_grad``, ``gradcheck``, ``jacobian``.

Section 4.1 of the lecture: a numerical gradient costs one forward pass per parameter (two with centered
differences); backprop gets all of them for one forward and one backward. These tools exist to check
the analytic gradients, the way the CS231n assignments do (``rel_error``, ``grad_check_sparse``).
"""
from __future__ import annotations

import warnings

import numpy as np

from ._validate import real
from .autograd import grad as autograd_grad
from .errors import ChainruleError, ShapeError
from .tensor import Tensor

__all__ = ["numerical_grad", "gradcheck", "jacobian", "rel_error", "GradcheckError", "KinkWarning"]


class GradcheckError(ChainruleError, AssertionError):
    """Analytic and numerical gradients disagree."""


class KinkWarning(UserWarning):
    """A finite-difference probe straddled a kink (e.g. relu at 0), so the numerical gradient is unreliable."""


def rel_error(a, b) -> float:
    """CS231n's relative error: max |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape and a.size != 1 and b.size != 1:
        raise ShapeError(f"rel_error: compares arrays of one shape, got {a.shape} and {b.shape}.")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))) if a.size else 0.0


def _as_tensors(inputs):
    single = isinstance(inputs, (Tensor, np.ndarray))
    items = [inputs] if single else list(inputs)
    return [t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in items]


def _scalar_objective(fn, tensors, upstream):
    out = fn(*tensors)
    out_data = out.data if isinstance(out, Tensor) else np.asarray(out)
    if upstream is None:
        return float(np.sum(out_data, dtype=np.float64))
    return float(np.sum(out_data * upstream, dtype=np.float64))


def _check_positive(name, value, what):
    x = real(value)
    if x is None or not x > 0:
        raise ValueError(f"{what}: {name} must be a number > 0, got {value!r}.")


def _central_differences(fn, tensors, upstream, eps, indices=None):
    """Centered differences for every probed element, and the elements where the probe straddled a kink.

    A kink shows as one-sided differences that disagree: ``f(x+eps) - f(x)`` far from ``f(x) - f(x-eps)``.
    """
    f0 = _scalar_objective(fn, tensors, upstream)
    grads, kinks = [], []
    for k, t in enumerate(tensors):
        flat = t.data.reshape(-1)
        if not np.shares_memory(flat, t.data):
            raise ValueError("numerical_grad needs inputs whose data are contiguous arrays.")
        g = np.full(flat.shape, np.nan) if indices is not None else np.zeros(flat.shape)
        kink = []
        for i in (range(flat.size) if indices is None else indices[k]):
            old = flat[i]
            flat[i] = old + eps
            plus = _scalar_objective(fn, tensors, upstream)
            flat[i] = old - eps
            minus = _scalar_objective(fn, tensors, upstream)
            flat[i] = old
            g[i] = (plus - minus) / (2 * eps)
            right, left = plus - f0, f0 - minus
            if abs(right - left) > 1e-2 * max(abs(right), abs(left), eps):
                kink.append(i)
        grads.append(g.reshape(t.shape))
        kinks.append(kink)
    return grads, kinks


def numerical_grad(fn, inputs, eps: float = 1e-6, upstream=None, indices=None):
    """Centered differences ``(f(x + eps) - f(x - eps)) / (2 eps)`` of ``sum(fn(*inputs) * upstream)``.

    ``upstream`` defaults to all ones (the gradient of ``sum``), like CS231n's ``eval_numerical_gradient_array``.
    Returns one array per input, each with its input's shape. ``indices`` (a list per input of flat indices)
    restricts the probes, as ``grad_check_sparse`` does; unprobed entries are NaN.
    """
    _check_positive("eps", eps, "numerical_grad")
    return _central_differences(fn, _as_tensors(inputs), upstream, eps, indices)[0]


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, upstream=None,
              n_samples: int | None = None, seed: int = 0) -> bool:
    """Compare backprop's gradients of ``fn`` with centered differences; True or :class:`GradcheckError`.

    Inputs should be float64 (a warning says so otherwise). ``upstream`` is the gradient fed into a
    non-scalar output (random by default, which checks the full vector-Jacobian product). ``n_samples``
    probes that many random elements per input instead of all (CS231n's sparse check). The error names the
    input, the worst element, both values and the relative error; a :class:`KinkWarning` flags probes that
    straddled a kink.
    """
    _check_positive("eps", eps, "gradcheck")
    if n_samples is not None:
        _check_positive("n_samples", n_samples, "gradcheck")
    tensors = _as_tensors(inputs)
    if any(t.dtype != np.float64 for t in tensors if t.requires_grad):
        warnings.warn("gradcheck: inputs are not float64, so finite differences are imprecise; "
                      "use dtype=float64 for a meaningful check.", stacklevel=2)
    wrt = [t for t in tensors if t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check.")
    out = fn(*tensors)
    rng = np.random.default_rng(seed)
    if upstream is None:
        upstream = rng.standard_normal(out.shape).astype(out.dtype) if out.ndim else np.ones((), out.dtype)
    analytic = autograd_grad(out, wrt, grad_outputs=Tensor(np.asarray(upstream, dtype=out.dtype)),
                             allow_unused=True)
    indices = None
    if n_samples is not None:
        indices = [rng.choice(t.size, size=min(n_samples, t.size), replace=False) if t.requires_grad else []
                   for t in tensors]
    numeric, kinks = _central_differences(fn, tensors, upstream, eps, indices)
    positions = [k for k, t in enumerate(tensors) if t.requires_grad]
    for k, t, a in zip(positions, wrt, analytic):
        n = numeric[k]
        a = np.zeros(t.shape) if a is None else a.data.astype(np.float64)
        probed = ~np.isnan(n)
        diff = np.where(probed, np.abs(a - n), 0.0)
        bad = diff > atol + rtol * np.abs(np.where(probed, n, 0.0))
        if kinks[k] and t.dtype == np.float64:
            where = tuple(int(j) for j in np.unravel_index(kinks[k][0], t.shape))
            warnings.warn(f"gradcheck: input {k} element {where} sits within eps of a kink (e.g. relu at 0); "
                          f"move it away from the kink for a meaningful check.", KinkWarning, stacklevel=2)
        if bad.any():
            worst = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), t.shape)
            raise GradcheckError(
                f"gradcheck: input {k} (shape {t.shape}) gradient mismatch at {tuple(int(i) for i in worst)}: "
                f"analytic {a[worst]:.8g}, numerical {n[worst]:.8g}, relative error "
                f"{rel_error(a[worst], n[worst]):.3g} (atol={atol}, rtol={rtol}).")
    return True


def jacobian(fn, x):
    """The full Jacobian d fn(x) / d x, shape ``out.shape + x.shape``, built with one VJP per output element.

    For small demonstrations only: backprop never needs it (a 4096 -> 4096 layer at batch 64 would need
    (64 * 4096)^2 floats, about 275 GB in float32).
    """
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if not x.requires_grad:
        x = Tensor(x.data, requires_grad=True)
    out = fn(x)
    jac = np.zeros((out.size, x.size), dtype=out.dtype)
    seed = np.zeros(out.shape, dtype=out.dtype)
    flat_seed = seed.reshape(-1)
    for i in range(out.size):
        flat_seed[i] = 1
        (g,) = autograd_grad(out, x, grad_outputs=Tensor(seed.copy()), retain_graph=True, allow_unused=True)
        flat_seed[i] = 0
        if g is not None:
            jac[i] = g.data.reshape(-1)
    return jac.reshape(out.shape + x.shape)
