"""Autograd edge cases after PyTorch's test_autograd.py, each run on chainrule and on torch: what a custom
Function's backward receives with ``ctx.set_materialize_grads(False)`` (None, not zeros, for an output no
gradient reached)."""
import itertools

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def _values(lib, t):
    return None if t is None else np.asarray(t.detach().numpy() if lib is torch else t.data).tolist()


def two_outputs(lib, seen):
    """A Function returning (2x, 3x) that records the gradients its backward receives."""
    class Two((cr.Function if lib is cr else torch.autograd.Function)):
        @staticmethod
        def forward(ctx, x, materialize, non_differentiable):
            ctx.set_materialize_grads(materialize)
            a, b = x * 2, x * 3
            if non_differentiable:
                ctx.mark_non_differentiable(b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((_values(lib, ga), _values(lib, gb)))
            out = 0
            if ga is not None:
                out = out + ga * 2
            if gb is not None:
                out = out + gb * 3
            return out, None, None
    return Two


def _run(lib, materialize, non_differentiable, uses, create_graph=False):
    """What backward saw in each of the passes (one per entry of ``uses``, the graph retained) and x.grad."""
    seen = []
    x = (cr.tensor if lib is cr else torch.tensor)(np.array([1.0, -2.0]), requires_grad=True)
    a, b = two_outputs(lib, seen).apply(x, materialize, non_differentiable)
    for use in uses:
        loss = ((a * a).sum() if "a" in use else 0) + ((b * b).sum() if "b" in use else 0)
        loss.backward(retain_graph=True, create_graph=create_graph)
    return seen, _values(lib, x.grad)


CASES = list(itertools.product([True, False], [False, True], [["a"], ["b"], ["ab"], ["a", "b"], ["b", "ab"]]))


@pytest.mark.parametrize("materialize,non_differentiable,uses", CASES)
def test_set_materialize_grads(materialize, non_differentiable, uses):
    if non_differentiable and "b" in uses:
        uses = [u for u in uses if u != "b"] or ["a"]
    for create_graph in (False, True):
        assert _run(cr, materialize, non_differentiable, uses, create_graph) == \
            _run(torch, materialize, non_differentiable, uses, create_graph)


def test_one_output_gets_its_gradient_without_materialized_grads():
    for lib in (cr, torch):
        class Square((cr.Function if lib is cr else torch.autograd.Function)):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 2 * x
        x = (cr.tensor if lib is cr else torch.tensor)(np.array([3.0]), requires_grad=True)
        Square.apply(x).sum().backward()
        assert _values(lib, x.grad) == [6.0]
