"""Strings an attacker can make a Canary report, and what a terminal must never receive.

Every incident field that a Canary fills from what it saw (a username, a
password, a user agent, a path, a hostname, a reverse DNS name, a token's memo,
the event keys themselves) may hold any of these.
"""

from __future__ import annotations

import unicodedata

CORPUS: dict[str, str] = {
    "rich markup": "[bold red]pwned[/] [link=https://evil.example]click[/link]",
    "textual markup": "[$accent on $error]x[/] [@click=app.quit]quit[/] [b]",
    "csi": "\x1b[2J\x1b[31mred\x1b[0m\x1b[10;10H\x1b[?1049l",
    "osc title": "\x1b]0;owned title\x07\x1b]2;again\x1b\\",
    "osc 52 clipboard": "\x1b]52;c;cm0gLXJmIH4K\x07",
    "osc 8 hyperlink": "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "c0 controls": "".join(chr(code) for code in range(0x20)) + "\x7f",
    "c1 controls": "".join(chr(code) for code in range(0x80, 0xA0)),
    "bidi overrides": "invoice\u202egpj.exe\u202c \u2066ltr\u2069 \u2067rtl\u2069 \u200f\u061c",
    "zero width": "ad\u200bmin\u200c\u200d\u2060\ufeff\u00ad",
    "double width": "管理员ユーザー😀👍🏽\u3000全角",
    "combining pile": "Z" + "\u0336\u0334\u0335\u0337\u0338" * 40,
    "line breaks": "line1\nline2\r\nline3\u2028line4\u2029\tend\v\f",
    "lone surrogates": "bad\ud800byte\udfff\udc80end",
    "escaped bytes": "\\xff\\xfe\\u202e as typed",
    "100,000 characters": "A" * 50_000 + "\x1b[31m" + "B" * 49_995,
}

# What no rendered segment may carry: C0 and C1 controls (ESC starts every
# sequence, BEL and ST end OSC), DEL, bidi overrides and isolates, zero-width
# and other invisible format characters, line and paragraph separators, and
# lone surrogates.
_FORMAT = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def forbidden(text: str) -> set[str]:
    """The characters in ``text`` a terminal would act on, or that hide or reorder what it shows."""
    return {char for char in set(text) if unicodedata.category(char) in _FORMAT}


def longest_mark_pile(text: str) -> int:
    """The most combining marks stacked on one character in ``text``."""
    longest = run = 0
    for char in text:
        run = run + 1 if unicodedata.combining(char) else 0
        longest = max(longest, run)
    return longest
