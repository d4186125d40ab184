"""Random tensors after PyTorch's functions: ``randint randint_like randperm rand_like randn_like bernoulli
poisson multinomial`` and ``normal``'s tensor forms, and the in-place fills of :class:`SamplingMethods` (a
base class of Tensor): ``uniform_ normal_ random_ bernoulli_ exponential_ cauchy_ log_normal_ geometric_``.

Every draw comes from chainrule's one seeded generator (:func:`chainrule.manual_seed`), or from the NumPy
``generator=`` passed in, so a seed repeats it exactly. A sample made from tensors is differentiable where
PyTorch's is: ``normal(mean, std)`` is ``mean + std * eps`` (gradient 1 and eps), ``bernoulli`` and
``poisson`` pass a zero gradient to their rates, and an in-place fill passes a zero gradient to the old value.
"""
from __future__ import annotations

import numpy as np

from . import autograd, random as _random
from .errors import ArgumentError, DtypeError, ShapeError
from .ops import elementwise as _ew
from .ops.registry import raw

__all__ = ["randint", "randint_like", "randperm", "rand_like", "randn_like", "bernoulli", "poisson", "multinomial",
           "empty_like"]

_NOWHERE = np.array(False)   # where(_NOWHERE, rates, sample): the sample, with a zero gradient for the rates


def _rng(generator):
    return _random.generator() if generator is None else generator


def _uniform(rng, shape, dtype):
    """Uniform [0, 1) values of ``dtype`` (float16 drawn as float32)."""
    draw = dtype if dtype in (np.float32, np.float64) else np.float32
    return rng.random(shape, dtype=draw).astype(dtype, copy=False)


def _standard_normal(rng, shape, dtype):
    draw = dtype if dtype in (np.float32, np.float64) else np.float32
    return rng.standard_normal(shape, dtype=draw).astype(dtype, copy=False)


def _new(array, requires_grad=False):
    if requires_grad and array.dtype.kind not in "fc":
        raise DtypeError(f"only floating-point tensors can require gradients, got dtype {array.dtype}; pass a "
                         f"float dtype.")
    return autograd._Tensor(array, requires_grad=requires_grad)


def _size(size, name):
    """A size argument: a tuple or list of non-negative ints, as PyTorch requires."""
    if not isinstance(size, (tuple, list)) or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                                       for n in size):
        raise TypeError(f"{name}(): argument 'size' must be a tuple of ints, not {type(size).__name__}.")
    if any(n < 0 for n in size):
        raise ShapeError(f"{name}(): trying to create a tensor with negative dimension in size {tuple(size)}.")
    return tuple(int(n) for n in size)


def _integer_range(rng, low, high, shape, dtype, name):
    if isinstance(high, bool) or not isinstance(high, (int, np.integer)) or not isinstance(low, (int, np.integer)):
        raise TypeError(f"{name}(): 'low' and 'high' must be ints, got {low!r} and {high!r}.")
    if low >= high:
        raise ArgumentError(f"{name}: expects 'from' to be less than 'to', but got from={low} >= to={high}.")
    return rng.integers(low, high, shape).astype(dtype, copy=False)


def randint(*args, size=None, generator=None, dtype=None, requires_grad=False, **kw):
    """``randint(high, size)`` or ``randint(low=0, high, size)``: integers drawn uniformly from [low, high),
    int64 unless ``dtype`` is given."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    low, high = (kw.pop("low", 0), kw.pop("high", None)) if len(args) == 0 else \
        (kw.pop("low", 0), args[0]) if len(args) == 1 else tuple(args)
    if kw or high is None or size is None:
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {len(args)} positional arguments "
                        f"and the keywords {sorted(kw)}.")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    return _new(_integer_range(_rng(generator), low, high, _size(size, "randint"), dtype, "randint"), requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, requires_grad=False, memory_format=None):
    """``randint_like(input, high)`` or ``randint_like(input, low, high)``: integers from [low, high) in
    ``input``'s shape and dtype."""
    low, high = (0, low) if high is None else (low, high)
    dtype = np.dtype(dtype) if dtype is not None else input.dtype
    return _new(_integer_range(_rng(generator), low, high, np.shape(raw(input)), dtype, "randint_like"),
                requires_grad)


def randperm(n, *, generator=None, dtype=np.int64, requires_grad=False):
    """The numbers 0 .. n-1 in random order (int64 unless ``dtype`` is given)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm(): argument 'n' must be an int, not {type(n).__name__}.")
    if n < 0:
        raise ArgumentError(f"randperm(): n must be non-negative, got {n}.")
    return _new(_rng(generator).permutation(int(n)).astype(np.dtype(dtype)), requires_grad)


def _float_like(input, dtype, name, empty_too):
    dtype = np.dtype(dtype) if dtype is not None else input.dtype
    if dtype.kind != "f" and (empty_too or np.size(raw(input))):
        raise NotImplementedError(f"{name}: continuous samples need a floating dtype, got {dtype}; pass "
                                  f"dtype=cr.float32.")
    return dtype


def rand_like(input, *, dtype=None, requires_grad=False, memory_format=None, generator=None):
    """Uniform [0, 1) samples in ``input``'s shape and dtype."""
    dtype = _float_like(input, dtype, "rand_like", True)
    return _new(_uniform(_rng(generator), np.shape(raw(input)), dtype), requires_grad)


def randn_like(input, *, dtype=None, requires_grad=False, memory_format=None, generator=None):
    """Standard normal samples in ``input``'s shape and dtype."""
    dtype = _float_like(input, dtype, "randn_like", False)
    return _new(_standard_normal(_rng(generator), np.shape(raw(input)), dtype), requires_grad)


def empty_like(input, *, dtype=None, requires_grad=False, memory_format=None):
    """An uninitialized tensor of ``input``'s shape and dtype (or ``dtype``)."""
    return _new(np.empty(np.shape(raw(input)), np.dtype(dtype) if dtype is not None else input.dtype),
                requires_grad)


def _rates_sample(rates, sample):
    """``sample`` as a tensor that carries a zero gradient back to ``rates``, as PyTorch's does."""
    if isinstance(rates, autograd._Tensor) and rates.requires_grad and autograd.is_grad_enabled():
        return _ew.where(_NOWHERE, rates, sample)
    return autograd._Tensor(sample)


def _probabilities(p, name):
    values = np.asarray(raw(p))
    if values.size and not ((values >= 0) & (values <= 1)).all():
        raise ArgumentError(f"{name}: expects p to be in [0, 1], but got values outside it.")
    return values


def bernoulli(input, p=None, *, generator=None):
    """1 with probability ``input`` (or the number ``p``) at each position, else 0, in ``input``'s dtype."""
    x = np.asarray(raw(input))
    prob = _probabilities(x if p is None else p, "bernoulli")
    sample = (_uniform(_rng(generator), x.shape, np.float64) < prob).astype(x.dtype)
    return _rates_sample(input, sample)


def poisson(input, generator=None):
    """A Poisson sample with rate ``input`` at each position, in ``input``'s dtype."""
    rates = np.asarray(raw(input))
    if rates.size and not (rates >= 0).all():
        raise ArgumentError("poisson: invalid Poisson rate, expected every rate to be non-negative.")
    return _rates_sample(input, np.asarray(_rng(generator).poisson(rates), rates.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """For each row of weights (1-D or 2-D ``input``), ``num_samples`` category indices (int64) drawn with
    probability proportional to the weights, without putting them back unless ``replacement``."""
    w = np.asarray(raw(input))
    if w.dtype.kind != "f":
        raise DtypeError(f"multinomial only supports floating-point dtypes for input, got {w.dtype}.")
    if w.ndim not in (1, 2):
        raise ShapeError(f"multinomial: prob_dist must be 1 or 2 dim, got {w.ndim} dims.")
    if num_samples <= 0:
        raise ArgumentError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples}).")
    if not replacement and num_samples > w.shape[-1]:
        raise ShapeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                         f"({num_samples} > {w.shape[-1]}).")
    if not w.shape[-1] and (w.ndim == 1 or w.shape[0]):      # rows without categories
        raise ArgumentError("multinomial: invalid multinomial distribution (sum of probabilities <= 0).")
    if not w.size:                                            # no rows: nothing to draw, as torch
        return autograd._Tensor(np.zeros(w.shape[:-1] + (num_samples,), np.int64))
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    if not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise ArgumentError("multinomial: probability tensor contains either inf, nan or element < 0.")
    if not (rows.sum(axis=1) > 0).all():
        raise ArgumentError("multinomial: invalid multinomial distribution (sum of probabilities <= 0).")
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = _uniform(rng, (rows.shape[0], num_samples), np.float64) * cdf[:, -1:]
        out = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        out = np.minimum(out, rows.shape[1] - 1)
    else:      # exponential keys: the smallest E_i / w_i come in the order of drawing without putting back
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        out = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return autograd._Tensor(out.astype(np.int64).reshape(w.shape[:-1] + (num_samples,)))


# --- in-place fills ------------------------------------------------------------------------------------------

def _float_only(t, name, error=NotImplementedError, empty_too=False):
    """Refuse a non-floating tensor with PyTorch's class (its normal and exponential kernels refuse only a
    non-empty one)."""
    if t.dtype.kind != "f" and (empty_too or t.numel()):
        raise error(f"{name}: a continuous distribution needs a floating tensor, got dtype {t.dtype}; convert it "
                    f"first (x.float()).")


def _positive(name, what, value):
    if not value > 0:
        raise ArgumentError(f"{name} expects {what} > 0.0, but found {what}={value}.")


def _bounds(name, args, kw, defaults):
    """``(from, to)`` from positional arguments and the keywords ``from`` (a Python keyword) and ``to``."""
    if len(args) > 2 or set(kw) - {"from", "to"} or "from" in kw and args or "to" in kw and len(args) == 2:
        raise TypeError(f"{name}() takes (from, to), got {len(args)} positional arguments and {sorted(kw)}.")
    values = list(args) + list(defaults[len(args):])
    if len(args) < 1 and "from" in kw:
        values[0] = kw["from"]
    if len(args) < 2 and "to" in kw:
        values[1] = kw["to"]
    return tuple(values)


_DIGITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}


class SamplingMethods:
    """The random in-place fills of :class:`~chainrule.tensor.Tensor` (each bumps the version counter and
    refuses a leaf that requires grad outside ``no_grad``), and ``x.bernoulli``, ``x.multinomial``."""

    __slots__ = ()

    def _fill(self, sample):
        return self.copy_(sample)

    def uniform_(self, *args, generator=None, **kw):
        """``uniform_(from=0, to=1)``: uniform samples from [from, to)."""
        from_, to = _bounds("uniform_", args, kw, (0.0, 1.0))
        _float_only(self, "uniform_", empty_too=True)
        if from_ > to:
            raise ArgumentError(f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}.")
        return self._fill(from_ + (to - from_) * _uniform(_rng(generator), self.shape, self.dtype))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Normal samples of ``mean`` and ``std``."""
        _float_only(self, "normal_")
        if std < 0:
            raise ArgumentError(f"normal expects std >= 0.0, but found std {std}.")
        return self._fill(mean + std * _standard_normal(_rng(generator), self.shape, self.dtype))

    def random_(self, *args, generator=None, **kw):
        """``random_(from=0, to=None)``: integers from [from, to); ``random_(to)``: from [0, to); without ``to``
        up to the largest integer the dtype holds exactly."""
        if len(args) == 1 and not kw:
            args = (0,) + args
        from_, to = _bounds("random_", args, kw, (0, None))
        if to is None:
            to = 2 ** _DIGITS[self.dtype] + 1 if self.dtype.kind == "f" else \
                2 if self.dtype == np.bool_ else int(np.iinfo(self.dtype).max) + 1
        return self._fill(_integer_range(_rng(generator), from_, to, self.shape, np.float64 if
                                         self.dtype.kind == "f" else np.int64, "random_"))

    def bernoulli_(self, p=0.5, *, generator=None):
        """1 with probability ``p`` (a number or a tensor that broadcasts to this shape), else 0."""
        prob = _probabilities(p, "bernoulli_")
        return self._fill(_uniform(_rng(generator), self.shape, np.float64) < prob)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Exponential samples of rate ``lambd``."""
        _float_only(self, "exponential_", DtypeError)
        _positive("exponential_", "lambda", lambd)
        return self._fill(_rng(generator).standard_exponential(self.shape) / lambd)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Cauchy samples around ``median`` with scale ``sigma``."""
        _float_only(self, "cauchy_", DtypeError, empty_too=True)
        _positive("cauchy_", "sigma", sigma)
        return self._fill(median + sigma * np.tan(np.pi * (_uniform(_rng(generator), self.shape, np.float64) - 0.5)))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """exp of normal samples of ``mean`` and ``std``."""
        _float_only(self, "log_normal_")
        _positive("log_normal_", "std", std)
        return self._fill(np.exp(mean + std * _rng(generator).standard_normal(self.shape)))

    def geometric_(self, p, *, generator=None):
        """The number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
        if not 0 < p < 1:
            raise ArgumentError(f"geometric_ expects p to be in (0, 1), but got p={p}.")
        return self._fill(_rng(generator).geometric(p, self.shape))

    def bernoulli(self, p=None, *, generator=None):
        """``bernoulli(self)`` (or with the probability ``p``)."""
        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """``multinomial(self, num_samples, replacement)``."""
        return multinomial(self, num_samples, replacement, generator=generator)
