"""Text for a terminal: what a server chose is shown, never obeyed.

A name, a detail or a plan may hold control characters: ESC starts a sequence that moves
the cursor, clears the screen or writes the clipboard (OSC 52), BEL rings, and a terminal
may take U+009B as ESC [. On the way out each is shown as ``\\xNN`` (in JSON, ``\\u00NN``:
the same data). The bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which
reorder what a line shows ("Trojan Source"), are shown as ``\\uNNNN`` too. Files the export
writes keep the exact text.
"""

from __future__ import annotations

import re

__all__ = ["inert", "inert_json"]

# Every C0 control but the newline the output itself uses, DEL, every C1 control, and the
# bidirectional overrides and isolates.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# JSON escapes C0 already; DEL, C1 and the bidi controls are legal in its strings as they are.
_UNESCAPED_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """``text`` with every control character but the newline written as ``\\xNN`` (``\\uNNNN``)."""
    return _CONTROL.sub(_shown, text)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert_json(text: str) -> str:
    """JSON text (C0 already escaped) with DEL and C1 escaped too: it decodes the same."""
    return _UNESCAPED_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
