"""``cuda()`` refused as a PyTorch without CUDA refuses it, and ``inference_mode`` against torch's (the
conformance table compares the rest)."""
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("call", [lambda x: x.cuda(), lambda x: x.cuda(0), lambda x: x.to("cuda"),
                                  lambda x: x.to(device="cuda:1")])
def test_cuda_is_refused_with_pytorchs_classes_and_one_sentence(call):
    with pytest.raises(RuntimeError) as e:
        call(cr.ones(2))
    assert isinstance(e.value, AssertionError)         # what a torch built without CUDA raises
    assert "CPU" in str(e.value) and str(e.value).count(". ") == 0


def test_inference_mode_restores_both_modes_after_an_exception():
    with pytest.raises(ZeroDivisionError), cr.inference_mode():
        1 / 0
    assert cr.is_grad_enabled() and not cr.is_inference_mode_enabled()


def test_a_decorated_generator_runs_each_step_in_inference_mode_and_the_caller_outside():
    @cr.inference_mode()
    def steps():
        for _ in range(2):
            yield cr.is_inference_mode_enabled(), cr.is_grad_enabled()

    seen = []
    for step in steps():
        seen.append((step, cr.is_inference_mode_enabled(), cr.is_grad_enabled()))
    assert seen == [((True, False), False, True)] * 2
