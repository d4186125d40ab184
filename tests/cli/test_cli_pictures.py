"""The pictures of a training run show what the lecture says, or say on the picture why not."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")


def test_the_linear_classifier_starts_at_zero_so_its_templates_are_learned():
    from chainrule.train import config as C
    from chainrule.train.experiment import build_model
    model = build_model(C.resolve({"dataset": "cifar10", "model": "linear"}), 3072, 10)
    assert all(np.all(p.data == 0) for p in model.parameters())
    mlp = build_model(C.resolve({"dataset": "cifar10", "model": "mlp", "hidden": "8"}), 3072, 10)
    assert np.std(mlp.linear_layers[0].weight.data) > 0      # hidden units still need a random start



def test_hidden_templates_still_at_their_random_start_say_so(cli, image_folder):
    r = cli("train", "--dataset", f"folder:{image_folder}", "--model", "mlp", "--hidden", "16", "--epochs", "1",
            "--name", "mlp")
    assert r.code == 0, r
    html = open("runs/mlp/report.html", encoding="utf-8").read()
    assert "they still look like noise: their correlation with the random initial weights is 0.9" in html
