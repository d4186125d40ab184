"""``chainrule playground [--port N] [--no-browser]``: the lecture as an interactive page on 127.0.0.1."""
from __future__ import annotations

from .local_page import add_options, check_port, serve


def register(subparsers):
    p = subparsers.add_parser(
        "playground", help="train a small net on 2-D data in the browser; watch the backward pass gate by gate",
        description="Start a local web page (127.0.0.1 only, with an access token) that trains networks on "
                    "2-D data with chainrule: data sets, features, layers, activations, regularization, "
                    "optimizers, live curves and boundaries, gradient flow, one point's backward pass, "
                    "a numerical gradient check and the code that reproduces the run. Ctrl-C stops it.")
    add_options(p)
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..playground.app import Playground
    check_port(args.port)
    return serve(Playground(port=args.port), "chainrule playground", "", args.no_browser)
