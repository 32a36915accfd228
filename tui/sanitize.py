"""Make attacker-typed text safe to put on a terminal.

Every field of an incident may have been typed by an attacker: usernames,
passwords, user agents, file names, hostnames, memos, even event keys.  Roost
shows them *as typed*, which means anything the terminal would interpret —
C0/C1 controls (ESC starts CSI/OSC sequences: title changes, OSC 52 clipboard
writes, hyperlinks), DEL, bidi overrides that reorder what the analyst reads,
zero-width characters that hide text, line separators, lone surrogates from
invalid UTF-8 — is replaced by a visible escape such as ``\\x1b`` or ``\\u202e``.
Long values are bounded so one 100,000-character password cannot take over
the screen.

This only makes text *printable*; callers still build Rich ``Text`` from the
result (never markup), so ``[bold]`` stays literal too.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Categories the terminal may act on or that change how neighbours render.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Combining marks stacked deeper than this are dropped (they paint over other rows).
_MAX_COMBINING_RUN = 3
ELLIPSIS = "…"


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_work(text: str) -> bool:
    # Fast path: plain printable text without combining marks needs nothing.
    return not text.isprintable() or any(unicodedata.combining(c) for c in text if ord(c) >= 0x300)


def _escape(text: str) -> str:
    out: list[str] = []
    combining_run = 0
    for char in text:
        if char == " ":
            out.append(char)
            combining_run = 0
            continue
        category = unicodedata.category(char)
        if category in _ESCAPED_CATEGORIES or (category == "Zs"):
            out.append(_escape_char(char))
            combining_run = 0
        elif unicodedata.combining(char):
            combining_run += 1
            if combining_run <= _MAX_COMBINING_RUN:
                out.append(char)
        else:
            out.append(char)
            combining_run = 0
    return "".join(out)


@lru_cache(maxsize=65536)
def _clean_cached(text: str, limit: int) -> str:
    if len(text) > limit * 8:
        # Escaping can grow a string eightfold at most; never escape more than we show.
        text = text[: limit * 8]
    if _needs_work(text):
        text = _escape(text)
    return text


def clean(value: object, limit: int = 256) -> str:
    """``value`` as one printable line of at most ``limit`` characters.

    Control and formatting characters become visible escapes; a longer value
    is cut with an ellipsis and the count of what was cut.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    original_length = len(text)
    cleaned = _clean_cached(text, limit) if len(text) < 4096 else _clean_cached.__wrapped__(text, limit)
    if len(cleaned) <= limit:
        return cleaned
    shown = cleaned[: max(limit - 1, 1)]
    hidden = original_length - len(shown)
    if hidden > 0 and limit >= 40:
        suffix = f"{ELLIPSIS}(+{hidden:,} chars)"
        return cleaned[: max(limit - len(suffix), 1)] + suffix
    return shown + ELLIPSIS


def decode_bytes(data: bytes) -> str:
    """Bytes that claim to be UTF-8, with invalid sequences shown as ``\\xNN``."""
    return data.decode("utf-8", errors="backslashreplace")
