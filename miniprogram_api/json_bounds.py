"""Bounds on a JSON body, checked on its bytes before any parser sees it.

The standard parser recurses once per nesting level (5,000 brackets raise RecursionError) and
turns a 5,000-digit number into an int the hard way (ValueError past 4,300 digits); webargs
catches neither, so both were 500s. No body of this API nests deeper than a few levels or holds
a number longer than a few digits, so anything beyond these bounds is refused as invalid JSON.
"""

from __future__ import annotations

import re

MAX_DEPTH = 16
MAX_NUMBER_CHARS = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')  # strings can hold brackets and digits harmlessly
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (MAX_NUMBER_CHARS + 1))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def bounds_problem(body: bytes) -> str | None:
    """Why the body may not be parsed ("too_deep", "number_too_long"), or None."""
    bare = _STRING.sub(b'""', body)
    if _LONG_NUMBER.search(bare):
        return "number_too_long"
    depth = 0
    for bracket in bare.translate(None, _NOT_BRACKETS):
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_DEPTH:
            return "too_deep"
    return None
