"""The playground's refresh rate: frames and steps per second for a 2-8-8-2 net on a 100x100 grid.

A frame is what the page draws each refresh: the decision boundary on the 100x100 grid, every hidden unit's
map, the weights, gradient norms and dead/saturated units (`Session.frame`), encoded as the JSON the event
stream sends. "While playing" runs the app's own loop (train for FRAME_SECONDS, then one frame). Goal: >= 10
frames a second while training.
"""
from __future__ import annotations

import time

from .common import median_seconds, table


def _play(session, seconds: float):
    """The app's loop for ``seconds``: adaptive steps per frame, then a frame; (frames/s, steps/s)."""
    from chainrule.playground.app import FRAME_SECONDS
    from chainrule.web import dumps
    chunk, frames, start, steps0 = 1, 0, time.perf_counter(), session.step_count
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        session.step(chunk)
        chunk = max(1, min(1000, int(chunk * FRAME_SECONDS / max(time.perf_counter() - t0, 1e-6))))
        dumps({**session.frame(), "playing": True})
        frames += 1
    took = time.perf_counter() - start
    return frames / took, (session.step_count - steps0) / took


def run(quick: bool = False, test: bool = False) -> str:
    from chainrule.playground import Session
    from chainrule.playground.session import GRID
    from chainrule.web import dumps
    repeats = 2 if test else 10 if quick else 50
    s = Session({"hidden": [8, 8], "classes": 2, "dataset": "spiral", "points": 300})
    s.step(10)
    frame = median_seconds(s.frame, repeats)
    encoded = median_seconds(lambda: dumps(s.frame()), repeats)
    size = len(dumps(s.frame()))
    step = median_seconds(lambda: s.step(1), repeats)
    fps, sps = _play(s, 0.2 if test else 1.0 if quick else 5.0)
    rows = [["one frame (Session.frame)", f"{frame * 1e3:.2f} ms", f"{1 / frame:.0f} frames/s"],
            ["one frame + JSON encoding", f"{encoded * 1e3:.2f} ms ({size / 1024:.0f} KiB)", f"{1 / encoded:.0f} frames/s"],
            ["one training step (batch 32) + metrics", f"{step * 1e3:.2f} ms", f"{1 / step:.0f} steps/s"],
            ["while playing (the app's loop)", "", f"{fps:.1f} frames/s, {sps:.0f} steps/s"]]
    return table(f"Playground: 2-8-8-2 net, {GRID}x{GRID} grid (goal >= 10 frames/s while training)",
                 ["what", "time", "rate"], rows)


if __name__ == "__main__":
    print(run())
