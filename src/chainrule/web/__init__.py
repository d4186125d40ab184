"""Local web pages: :class:`LocalServer`, a token-protected standard-library HTTP server on 127.0.0.1.

Used by ``chainrule playground``; routes and the static folder are registered by the app, so any page
(a live run viewer, say) gets the same security: token, Host/Origin checks, size caps, no path traversal.
"""
from .server import TOKEN_HEADER, EventStream, HTTPError, LocalServer, Request, Response, dumps

__all__ = ["LocalServer", "Request", "Response", "EventStream", "HTTPError", "TOKEN_HEADER", "dumps"]
