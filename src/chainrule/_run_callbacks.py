"""What the layers above ``train`` add to every experiment run, without ``train`` importing them.

``PICTURES``: classes ``factory(experiment) -> callback``; `chainrule.viz.run_pictures` lists its `RunPictures`
when it is imported (``import chainrule`` imports viz), and `chainrule.train.run_experiment` adds one of each
to a run that writes pictures (``plots``).
"""
from __future__ import annotations

PICTURES: list = []
