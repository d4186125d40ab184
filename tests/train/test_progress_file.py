"""progress.json: where the current epoch stands, for `chainrule view` to show while a run trains."""
import json

from chainrule.train import TrainConfig, run_experiment
from chainrule.train import callbacks as callbacks_module


def test_the_trainer_writes_the_current_epochs_step_into_the_run_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(callbacks_module, "PROGRESS_SECONDS", 0.0)      # every step
    result, exp = run_experiment(TrainConfig(dataset="spiral", epochs=2, batch_size=100, out=str(tmp_path),
                                             name="r", plots=False), progress="none")
    state = json.loads((tmp_path / "r" / "progress.json").read_text())
    assert state == {"epoch": 2, "epochs": 2, "step": 3, "steps": 3, "loss": state["loss"], "acc": state["acc"],
                     "lr": exp.optimizer.param_groups[0]["lr"]}
    assert 0 <= state["acc"] <= 1 and state["loss"] > 0
