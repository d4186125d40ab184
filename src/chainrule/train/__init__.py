"""Training: the `Trainer` loop, run folders with checkpoints and metrics, configs and per-data-set recipes;
`fit`, the small loop for experiments without a run folder.

    from chainrule.train import TrainConfig, run_experiment
    result, exp = run_experiment(TrainConfig(dataset="spiral", hidden=(100,)))

or, with your own pieces::

    trainer = Trainer(model, optimizer, scheduler=sched, reg=1e-3, epochs=20, run=RunDir("runs/x"))
    trainer.fit(loader, val=splits.val, test=splits.test)
"""
from .callbacks import Callback, Checkpointing, ConsoleProgress, Diagnostics, RunFolder
from .config import RECIPES, TrainConfig, resolve
from .experiment import (build_experiment, build_model, build_optimizer, build_scheduler, load_data,
                         resume_experiment, run_experiment)
from .loop import fit, step_loss
from .metrics import confusion_matrix, evaluate, per_class_accuracy, predict_scores
from .progress import Progress
from .runs import MetricsLog, RunDir, find_checkpoint
from .strategy import DataParallel, SingleProcess
from .sweep import Sweep, SweepResult, plan_sweep, run_sweep
from .trainer import FitResult, Trainer, TrainingDiverged

__all__ = ["Trainer", "FitResult", "TrainingDiverged", "TrainConfig", "RECIPES", "resolve", "RunDir", "MetricsLog",
           "find_checkpoint", "Progress", "run_experiment", "resume_experiment", "build_experiment", "build_model",
           "build_optimizer", "build_scheduler", "load_data", "evaluate", "predict_scores", "confusion_matrix",
           "per_class_accuracy", "SingleProcess", "DataParallel", "Callback", "Checkpointing", "RunFolder", "Diagnostics",
           "ConsoleProgress", "plan_sweep", "run_sweep", "Sweep", "SweepResult",
           "fit", "step_loss"]
