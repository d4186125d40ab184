"""Per-tensor summaries in each epoch's record: quantiles of weights and gradients, and the gradient norm."""
import json

import numpy as np

import chainrule as cr
from chainrule.train import TrainConfig, run_experiment
from chainrule.train.diagnostics import QUANTILES, parameter_summaries


def test_each_epoch_records_the_quantiles_of_every_parameter_tensor(tmp_path):
    result, exp = run_experiment(TrainConfig(dataset="spiral", epochs=2, out=str(tmp_path), name="r", plots=False),
                                 progress="none")
    records = [json.loads(line) for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    last = records[-1]["layers"]
    assert list(last) == [name for name, _ in exp.model.named_parameters()]
    for name, p in exp.model.named_parameters():            # the weights after the last epoch
        np.testing.assert_allclose(last[name]["w"], np.quantile(p.data.astype(np.float64), QUANTILES), rtol=1e-5)
        assert len(last[name]["g"]) == len(QUANTILES)
    assert records[0]["layers"] != records[1]["layers"]
    assert records[-1]["grad_norm"] > 0


def test_the_gradient_summaries_and_norm_are_those_of_the_gradients_held():
    model = cr.nn.Linear(4, 3)
    model(cr.tensor(np.arange(8, dtype=np.float32).reshape(2, 4))).sum().backward()
    got = parameter_summaries(model)
    grads = [p.grad.data for p in model.parameters()]
    assert got["grad_norm"] == np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    np.testing.assert_allclose(got["layers"]["weight"]["g"], np.quantile(grads[0], QUANTILES), rtol=1e-5)
    assert "g" not in parameter_summaries(cr.nn.Linear(2, 2))["layers"]["weight"]
