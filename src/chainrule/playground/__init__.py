"""``chainrule playground``: train a small network on 2-D data in the browser and watch backprop, gate by gate.

`Session` (data, model, optimizer, metrics, pictures as arrays) does the work; `Playground` serves it on a
token-protected 127.0.0.1 page (:mod:`chainrule.web`); :func:`playground` starts one (inline in Jupyter).
The package itself is callable: ``cr.playground()`` is ``cr.playground.playground()``.
"""
import sys
import types

from .config import Config
from .session import Session


def playground(port: int = 0, config=None, open_browser: bool = False):
    """Start the playground in the background and return it; in Jupyter it shows inline (an iframe).

    ``port=0`` picks a free port; ``config``: initial settings (a dict of `Config` fields); ``open_browser``
    also opens a browser tab. ``.url`` is its address (with the access token); stop it with ``.stop()``.
    """
    from .app import Playground
    app = Playground(port=port, config=config).start()
    if open_browser:
        import webbrowser
        webbrowser.open(app.url)
    return app


__all__ = ["Config", "Session", "playground"]


class _CallableModule(types.ModuleType):
    """``cr.playground()`` calls :func:`playground`, while ``chainrule.playground`` stays this package."""

    def __call__(self, *args, **kwargs):
        return playground(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
