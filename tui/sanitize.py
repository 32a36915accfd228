"""Make attacker-typed text safe to put on a terminal.

Every field of an incident may have been typed by an attacker: usernames,
passwords, user agents, file names, hostnames, memos, even event keys.  Roost
shows them *as typed*, which means anything the terminal would interpret —
C0/C1 controls (ESC starts CSI/OSC sequences: title changes, OSC 52 clipboard
writes, hyperlinks), DEL, bidi overrides that reorder what the analyst reads,
zero-width characters that hide text, line separators, lone surrogates from
invalid UTF-8 — is replaced by a visible escape such as ``\\x1b`` or ``\\u202e``.

Width matters as much as bytes: Rich lays out every row by its own idea of how
many cells a character takes, and the terminal moves its cursor by its own
(wcwidth, tmux).  Where the two can disagree — emoji variation selectors,
flags, skin tones, keycaps, spacing marks, conjoining jamo, symbols whose width
changed between Unicode versions — a row gains or loses cells and the screen
tears.  So every character that is kept is one whose width both agree on, and
the rest are escaped too.  So are invisible fillers (``\\u3164``), which would
let ``ㅤadmin`` pass for `` admin``.  Combining marks are kept (names have
accents) but never more than a few on one character, whatever their class.

Runs of three or more spaces are shown as ``␠×N``: a long run would push the
rest of a value onto a line of its own, where it can pose as one of Roost's
rows, and aligned spaces are what such a forgery needs.  ``␠`` is Unicode's
own symbol for a space, so the count reads as "space times N".

Long values are bounded so one 100,000-character password cannot take over
the screen; what was cut is counted.

This only makes text *printable*; callers still build Rich ``Text`` from the
result (never markup), so ``[bold]`` stays literal too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rich.cells import get_character_cell_size

ELLIPSIS = "…"
SPACE_SYMBOL = "␠"
# Combining marks stacked deeper than this are dropped (they paint over other rows).
MAX_COMBINING_RUN = 3
# Runs of this many spaces or more are shown as ␠×N.
SPACE_RUN = 3

# Categories the terminal may act on or that change how neighbours render:
# controls, format characters (bidi, zero-width, ZWJ), surrogates, private use,
# unassigned, separators other than the ASCII space, and enclosing marks
# (keycaps, circles), which are drawn over the neighbouring cells.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "Me"})


def _code_points(*ranges: tuple[int, int]) -> frozenset[int]:
    return frozenset(code for first, last in ranges for code in range(first, last + 1))


# Escaped although Rich and wcwidth give them the same width: invisible, or
# combined with their neighbours by some terminals and not by others.
_DISPUTED = _code_points(
    (0x034F, 0x034F),  # combining grapheme joiner: invisible, and splits a pile of marks
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels (invisible)
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x2800, 0x2800),  # braille blank: a space that is not a space
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors: VS16 widens a symbol to a 2-cell emoji, or not
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0x1F1E6, 0x1F1FF),  # regional indicators: a pair is one 2-cell flag, or two letters
    (0x1F3FB, 0x1F3FF),  # skin-tone modifiers: merged into the emoji before them, or not
    (0xE0100, 0xE01EF),  # variation selectors supplement
)

_KEEP, _MARK, _ESCAPE = 0, 1, 2


def _classify(char: str) -> int:
    if ord(char) in _DISPUTED:
        return _ESCAPE
    category = unicodedata.category(char)
    if category in _ESCAPED_CATEGORIES:
        return _ESCAPE
    rich_width = get_character_cell_size(char)
    if category == "Mn":
        return _MARK if rich_width == 0 else _ESCAPE
    # What a terminal's wcwidth says: wide and fullwidth are 2, the rest 1
    # (ambiguous too: Roost's own ● and │ already need a terminal that agrees).
    terminal_width = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return _KEEP if rich_width == terminal_width else _ESCAPE


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_ASCII_PRINTABLE = frozenset(map(chr, range(0x20, 0x7F)))
# Characters known to be shown as they are: checking a string against it is one C call.
_shown_as_typed: set[str] = set(_ASCII_PRINTABLE)
# Each non-ASCII character seen: its kind and its escape.
_known: dict[str, tuple[int, str]] = {}
_KNOWN_KEPT = 8192


def _learn(char: str) -> tuple[int, str]:
    if len(_known) >= _KNOWN_KEPT:
        _known.clear()
        _shown_as_typed.intersection_update(_ASCII_PRINTABLE)
    known = _known[char] = (_classify(char), _escape_char(char))
    if known[0] == _KEEP:
        _shown_as_typed.add(char)
    return known


def _kind(char: str) -> int:
    return (_known.get(char) or _learn(char))[0]


def _is_plain(text: str) -> bool:
    """Whether ``text`` is shown exactly as it is (the fast path)."""
    if " " * SPACE_RUN in text or not text.isprintable():
        return False
    return text.isascii() or _shown_as_typed.issuperset(text) or all(_kind(char) == _KEEP for char in set(text))


_PRINTABLE_RUN = re.compile(r"[!-~]+")
_SPACES = re.compile(" *")


def _pieces(text: str) -> tuple[list[str], list[int]]:
    """How each part of ``text`` is shown, and where in ``text`` each part ends."""
    pieces: list[str] = []
    ends: list[int] = []
    marks = 0  # combining marks on the current base character
    # Whether the last thing shown is a character the attacker typed: a mark on
    # an escape or a space count would decorate Roost's text, so it is escaped too.
    on_typed = False
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if "!" <= char <= "~":
            run = _PRINTABLE_RUN.match(text, index)
            pieces.append(run.group())
            marks, on_typed = 0, True
            index = run.end()
        elif char == " ":
            end = _SPACES.match(text, index).end()
            run_length = end - index
            pieces.append(" " * run_length if run_length < SPACE_RUN else f"{SPACE_SYMBOL}×{run_length}")
            marks, on_typed = 0, run_length < SPACE_RUN
            index = end
        else:
            kind, escaped = _known.get(char) or _learn(char)
            if kind == _KEEP:
                pieces.append(char)
                marks, on_typed = 0, True
            elif kind == _MARK and on_typed:
                marks += 1
                if marks > MAX_COMBINING_RUN:
                    ends[-1] = index + 1  # dropped: hidden in the piece it would have piled on
                    index += 1
                    continue
                pieces.append(char)
            else:
                pieces.append(escaped)
                marks, on_typed = 0, False
            index += 1
        ends.append(index)
    return pieces, ends


def _cut(text: str, pieces: list[str], ends: list[int], original_length: int, limit: int) -> str:
    """As much of ``pieces`` as fits in ``limit`` characters, then the mark of what was cut.

    A piece shown as typed may be cut anywhere; an escape or a space count is
    shown whole or not at all, so a cut never leaves half of one.
    """

    def fitting(room: int) -> tuple[str, int]:
        """What fits in ``room``, and how much of ``text`` that shows."""
        shown: list[str] = []
        used = start = 0
        for piece, end in zip(pieces, ends):
            if used + len(piece) > room:
                if text[start:end] == piece:  # as typed: take what fits
                    shown.append(piece[: room - used])
                    start += room - used
                break
            shown.append(piece)
            used += len(piece)
            start = end
        return "".join(shown), start

    if limit < 40:
        return fitting(max(limit - 1, 0))[0] + ELLIPSIS
    # The count's own length depends on what fits: size it for the worst case, then take more if it shrank.
    shown, consumed = fitting(limit - len(f"{ELLIPSIS}(+{original_length:,} chars)"))
    shown, consumed = fitting(limit - len(f"{ELLIPSIS}(+{original_length - consumed:,} chars)"))
    return f"{shown}{ELLIPSIS}(+{original_length - consumed:,} chars)"


def _examined_length(text: str, limit: int) -> int:
    """How much of ``text`` to look at: never more than could be shown, as each character
    kept shows as one or more; but a run of spaces shows as a few, so it is counted
    whole and what follows it is looked at too."""
    end = limit * 8
    run_end = _SPACES.match(text, end).end()
    if run_end > end:
        end = _SPACES.match(text, run_end + limit * 8).end()
    return end


def _clean(text: str, limit: int) -> str:
    examined = text[: _examined_length(text, limit)]
    if _is_plain(examined):
        if len(text) <= limit:
            return text
        pieces, ends = [examined[:limit]], [min(len(examined), limit)]
    else:
        pieces, ends = _pieces(examined)
        if len(examined) == len(text) and sum(map(len, pieces)) <= limit:
            return "".join(pieces)
    return _cut(examined, pieces, ends, len(text), limit)


_clean_cached = lru_cache(maxsize=65536)(_clean)


def clean(value: object, limit: int = 256) -> str:
    """``value`` as one printable line of at most ``limit`` characters.

    Control and formatting characters, and characters whose width terminals
    dispute, become visible escapes; long runs of spaces are counted; a longer
    value is cut with an ellipsis and the count of what was cut.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return _clean_cached(text, limit) if len(text) < 4096 else _clean(text, limit)
