"""Bounds on what a parsed file may build: nesting depth and size as a tree, checked without recursion.

Python's own parsers build deep or shared structures cheaply (5,000 nested JSON lists, a pickled list
holding the same list twice at each of 40 levels); whatever then walks them recursively raises
``RecursionError`` or expands them to gigabytes. `check_structure` measures a parsed value first.
"""
from __future__ import annotations

import json

MAX_JSON_DEPTH = 64            # chainrule's own documents nest about 8 deep
_CONTAINERS = frozenset((list, tuple, dict, set, frozenset))


class TooDeep(ValueError):
    """A parsed value nested deeper, or larger as a tree, than allowed (the message says which)."""


def check_structure(obj, max_depth: int, max_items: int | None = None) -> None:
    """Raise `TooDeep` if lists, tuples, dicts and sets in ``obj`` nest more than ``max_depth`` levels, or
    (``max_items``) if ``obj`` written out as a tree, shared references repeated, holds more values; a
    cycle counts as too deep. Time and memory are linear in the number of distinct containers."""
    depth, items = {}, {}                 # id -> (levels below it, tree size) of finished containers
    keep = []                             # the containers seen (their ids stay valid while kept)
    on_path = set()                       # the containers being walked: the path from obj down
    stack = [(obj, None)] if type(obj) in _CONTAINERS else []
    while stack:
        node, kids = stack.pop()
        key = id(node)
        if kids is not None:              # all children done
            on_path.discard(key)
            depth[key] = 1 + max((depth[id(c)] for c in kids), default=0)
            items[key] = (2 * len(node) if type(node) is dict else len(node)) + sum(items[id(c)] for c in kids)
            if depth[key] > max_depth:
                raise TooDeep(f"nested more than {max_depth} levels deep")
            if max_items is not None and items[key] > max_items:
                raise TooDeep(f"holds more than {max_items:,} values once shared references are counted "
                              f"each time")
            continue
        if key in depth:
            continue
        if key in on_path:
            raise TooDeep("contains itself (a reference cycle)")
        if len(on_path) >= max_depth:
            raise TooDeep(f"nested more than {max_depth} levels deep")
        on_path.add(key)
        keep.append(node)
        values = (*node.keys(), *node.values()) if type(node) is dict else node
        kids = [c for c in values if type(c) in _CONTAINERS]
        stack.append((node, kids))
        stack.extend((c, None) for c in kids)


def json_loads(text, max_depth: int = MAX_JSON_DEPTH, **kwargs):
    """``json.loads`` that raises `TooDeep` (a ValueError) for documents nested more than ``max_depth`` deep."""
    try:
        obj = json.loads(text, **kwargs)
    except RecursionError:
        raise TooDeep(f"nested more than {max_depth} levels deep") from None
    check_structure(obj, max_depth)
    return obj
