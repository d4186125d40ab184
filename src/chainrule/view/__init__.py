"""``chainrule view``: a local page over run folders: the run list, live curves, runs overlaid, sweeps.

`scan` finds and reads run folders safely (sizes capped, JSON only), `follow` streams what a growing
``metrics.jsonl`` gains, `app.Viewer` serves both on a token-protected 127.0.0.1 page (:mod:`chainrule.web`).
"""


def view(*roots, port: int = 0, open_browser: bool = False):
    """Start the viewer of the run folders ``roots`` (default ``runs``) in the background and return it."""
    from .app import Viewer
    app = Viewer(roots or ("runs",), port=port).start()
    if open_browser:
        import webbrowser
        webbrowser.open(app.url)
    return app


__all__ = ["view"]
