"""``chainrule sweep`` with no options shows lecture 3.1's lesson: regularize a big net, do not shrink it."""
from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_the_default_sweep_shows_the_lecture_lesson(cli, tmp_path):
    r = cli("sweep")
    assert r.code == 0, r
    assert "val acc, best epoch (kept weights)" in r.out and "val acc, last epoch" in r.out
    runs = json.loads((tmp_path / "runs/sweep-noisy-spiral/sweep.json").read_text())["runs"]
    widths = sorted({int(x["hidden"]) for x in runs})
    best = max(runs, key=lambda x: x["last_val_acc"])                 # trained to the end, as in the lecture
    assert float(best["reg"]) > 0 and int(best["hidden"]) > widths[0]
    kept = max(runs, key=lambda x: x["val_acc"])
    assert int(kept["hidden"]) > widths[0]
    big = {x["reg"]: x for x in runs if int(x["hidden"]) == widths[-1]}
    small = [x for x in runs if int(x["hidden"]) == widths[0]]
    assert big["0"]["last_train_acc"] > big["0"]["last_val_acc"] + 0.15     # unregularized, it fits the noise
    assert max(x["last_val_acc"] for x in big.values() if float(x["reg"]) > 0) > big["0"]["last_val_acc"] + 0.03
    assert min(x["val_acc"] for x in big.values()) > max(x["val_acc"] for x in small) + 0.1
    assert (tmp_path / "runs/sweep-noisy-spiral/decision_boundaries.png").is_file()
