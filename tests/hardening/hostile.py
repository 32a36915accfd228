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
    # Characters whose width Rich and the terminal (wcwidth, tmux) disagree on: a row gains or loses cells.
    "emoji presentation": "\u2764\ufe0f \u263a\ufe0f \u2708\ufe0f \u00a9\ufe0f",
    "flags": "\U0001f1fa\U0001f1f8\U0001f1ec\U0001f1e7 \U0001f1e6 alone",
    "skin tones": "\U0001f44d\U0001f3fd\U0001f44b\U0001f3ff \U0001f3fb alone",
    "keycaps": "1\ufe0f\u20e3 #\u20e3 *\ufe0f\u20e3",
    "zwj sequences": "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f\u200d\U0001f308",
    "hangul fillers": "\u3164admin \uffa0root \u115f\u1160x \u1100\u1161\u11a8",
    "braille blank": "\u2800admin",
    "spacing marks": "\u0915\u093f\u0930\u093e\u0903",
    "widened symbols": "\u2630\u2631 \U0001d360",
    # Piles the combining class does not count: class-0 marks, enclosing marks, and marks
    # kept apart by invisible joiners and selectors.
    "class-0 marks": "Z" + "\u0e31" * 100 + "\u20dd" * 100,
    "marks split by CGJ and VS16": "Z" + "\u0336\u034f" * 100 + "\u0301\ufe0f" * 100,
    # A value that wraps into a line posing as Roost's own Key row.
    "forged row": "x" + " " * 300 + "Key     incident:all-clear  [acknowledged by SOC]",
}

# What no rendered segment may carry: C0 and C1 controls (ESC starts every
# sequence, BEL and ST end OSC), DEL, bidi overrides and isolates, zero-width
# and other invisible format characters, line and paragraph separators, and
# lone surrogates.
_FORMAT = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_MARKS = {"Mn", "Me"}
MAX_MARKS = 3


def forbidden(text: str) -> set[str]:
    """The characters in ``text`` a terminal would act on, or that hide or reorder what it shows."""
    return {char for char in set(text) if unicodedata.category(char) in _FORMAT}


def _is_mark(char: str) -> bool:
    return unicodedata.category(char) in _MARKS or bool(unicodedata.combining(char))


def longest_mark_pile(text: str) -> int:
    """The most combining marks stacked on one character in ``text``, whatever their class
    (invisible marks such as CGJ and variation selectors count: they keep the pile on one cell)."""
    longest = run = 0
    for char in text:
        run = run + 1 if _is_mark(char) else 0
        longest = max(longest, run)
    return longest


def _ranges(*ranges: tuple[int, int]) -> frozenset[int]:
    return frozenset(code for first, last in ranges for code in range(first, last + 1))


# Drawn at a width terminals do not agree on, or invisible, whatever East Asian Width says.
DISPUTED = _ranges(
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x11FF),  # Hangul choseong filler, then conjoining vowels and finals (0 or 1 cell)
    (0xD7B0, 0xD7FF),  # more conjoining Hangul vowels and finals
    (0x200D, 0x200D),  # zero-width joiner: emoji sequences are one glyph, or several
    (0x20E3, 0x20E3),  # combining enclosing keycap
    (0x2800, 0x2800),  # braille blank
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors (VS16: emoji presentation, 2 cells or 1)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0x1F1E6, 0x1F1FF),  # regional indicators (flags)
    (0x1F3FB, 0x1F3FF),  # skin-tone modifiers
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
# Spacing marks (1 cell to glibc's wcwidth, 0 to Rich) and enclosing marks (drawn over neighbours).
DISPUTED_CATEGORIES = {"Mc", "Me", "Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


def terminal_width(text: str) -> int:
    """``text``'s width by the rules a terminal's wcwidth follows; AssertionError for any
    character whose width is disputed, and for a pile of more than ``MAX_MARKS`` marks.

    Strict: every character is printable ASCII, a combining mark (0 cells) on a
    character of its own value, or a character whose East Asian Width fixes its
    cells (W and F are 2; N, Na and H are 1) outside the disputed sets.  Ambiguous
    (A) counts 1, as Rich, wcwidth and tmux count it: Roost's own ● │ … already
    need a terminal that does (a CJK "ambiguous is wide" terminal breaks every
    application's borders, not only Roost's).
    """
    width = marks = 0
    for position, char in enumerate(text):
        if " " <= char <= "~":
            width, marks = width + 1, 0
            continue
        code, category = ord(char), unicodedata.category(char)
        assert code not in DISPUTED and category not in DISPUTED_CATEGORIES, (
            f"U+{code:04X} ({category}) at {position} has no width terminals agree on: {text!r}"
        )
        if category == "Mn":
            marks += 1
            assert position > 0, f"a mark with nothing to sit on at the start of {text!r}"
            assert marks <= MAX_MARKS, f"{marks} marks piled on one character in {text!r}"
            continue
        width, marks = width + (2 if unicodedata.east_asian_width(char) in ("W", "F") else 1), 0
    return width
