"""``cuda()`` refused as a PyTorch without CUDA refuses it, ``inference_mode`` beyond the conformance table,
and ``set_printoptions`` in the repr."""
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


@pytest.fixture
def printoptions():
    yield cr.set_printoptions
    cr.set_printoptions(profile="default")


def test_set_printoptions_changes_the_repr_as_torchs_does(printoptions):
    x = cr.tensor([1.23456, 2e-5])
    printoptions(precision=2)
    assert repr(x) == "tensor([1.23e+00, 2.00e-05])"
    printoptions(sci_mode=False)
    assert repr(x) == "tensor([1.23, 0.  ])"
    printoptions(profile="full")
    assert "..." not in repr(cr.arange(100))
    printoptions(profile="default", threshold=10, edgeitems=1)
    assert repr(cr.arange(30.)) == "tensor([ 0., ..., 29.])"
    printoptions(profile="default", linewidth=20)
    assert max(len(line) for line in repr(cr.arange(8.)).splitlines()) <= 20


def test_the_default_profile_restores_chainrules_short_reprs(printoptions):
    printoptions(precision=1, threshold=1000, edgeitems=5, linewidth=200, sci_mode=True)
    printoptions(profile="default")
    assert repr(cr.arange(30)) == "tensor([ 0,  1, ..., 28, 29], dtype=int64)"
    assert repr(cr.tensor([1.23456])) == "tensor([1.2346])"
