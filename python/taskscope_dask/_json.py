"""JSON text as taskscope writes it: compact, UTF-8, no ASCII escapes."""

from __future__ import annotations

import json
from collections.abc import Callable

encode: Callable[[object], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def quote(s: str) -> str:
    """A string as JSON; most keys need no escaping, and skip the encoder."""
    if '"' not in s and "\\" not in s and s.isprintable():
        return '"' + s + '"'
    return encode(s)
