"""Attacker-typed text must reach the terminal only as printable characters."""

import unicodedata

import pytest

from tui.sanitize import clean


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("root", "root"),
        ("[bold red]x[/]", "[bold red]x[/]"),  # markup stays literal text
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),  # CSI colour
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # OSC title
        ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),  # OSC 52 clipboard write
        ("a\x9bb", "a\\x9bb"),  # C1 CSI
        ("line1\nline2\r\t", "line1\\x0aline2\\x0d\\x09"),
        ("abc\u202edef", "abc\\u202edef"),  # bidi override
        ("pass\u200bword", "pass\\u200bword"),  # zero-width space
        ("x\u2028y", "x\\u2028y"),  # line separator
        ("\x7f", "\\x7f"),
        ("日本語", "日本語"),  # double-width text is fine as it is
    ],
)
def test_clean_makes_controls_visible(raw, shown):
    assert clean(raw) == shown


def test_clean_bounds_length_and_says_how_much_was_cut():
    shown = clean("A" * 100_000, limit=60)
    assert len(shown) == 60
    assert shown.startswith("AAAA")
    assert "(+99,9" in shown


def test_clean_short_limit_uses_plain_ellipsis():
    assert clean("abcdefghij", limit=5) == "abcd…"


def test_clean_caps_stacked_combining_marks():
    zalgo = "a" + "\u0301" * 50
    assert clean(zalgo) == "a" + "\u0301" * 3


def test_lone_surrogates_are_escaped():
    assert clean("bad\udcffbyte") == "bad\\udcffbyte"


def test_non_strings_are_shown_without_raising():
    assert clean(None) == ""
    assert clean(42) == "42"


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\u3164admin", "\\u3164admin"),  # Hangul filler: would pass for " admin"
        ("\uffa0root", "\\uffa0root"),
        ("\u115f\u1160x", "\\u115f\\u1160x"),
        ("\u2800admin", "\\u2800admin"),  # braille blank
        ("\u2764\ufe0f", "\u2764\\ufe0f"),  # VS16: 1 cell to wcwidth, 2 to Rich
        ("\U0001f1eb\U0001f1f7", "\\U0001f1eb\\U0001f1f7"),  # a flag: one glyph or two letters
        ("\U0001f44d\U0001f3fd", "\U0001f44d\\U0001f3fd"),  # skin tone: merged or not
        ("1\ufe0f\u20e3", "1\\ufe0f\\u20e3"),  # keycap
        ("\U0001f468\u200d\U0001f469", "\U0001f468\\u200d\U0001f469"),  # ZWJ sequence
        ("\u0915\u093f", "\u0915\\u093f"),  # spacing mark: 1 cell to glibc, 0 to Rich
        ("\u2630", "\\u2630"),  # 2 cells to Rich's Unicode 16 tables, 1 to older terminals
        ("José Müller 管理员 😀", "José Müller 管理员 😀"),  # widths everyone agrees on stay
    ],
)
def test_clean_escapes_characters_of_disputed_width(raw, shown):
    assert clean(raw) == shown


@pytest.mark.parametrize(
    "pile",
    [
        "Z" + "\u0e31" * 50,  # Thai marks: combining class 0
        "Z" + "\u0336\u034f" * 50,  # kept apart by combining grapheme joiners
        "Z" + "\u0301\ufe0f" * 50,  # kept apart by variation selectors
        "Z" + "\u20dd" * 50,  # enclosing marks (class 0), drawn over the neighbours
    ],
    ids=["class 0", "CGJ between", "VS16 between", "enclosing"],
)
def test_no_pile_of_marks_survives_whatever_their_class(pile):
    shown = clean(pile, limit=1000)
    longest = run = 0
    for char in shown:
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        longest = max(longest, run)
    assert longest <= 3, shown


def test_a_mark_with_nothing_of_its_own_to_sit_on_is_escaped():
    assert clean("\u0301x") == "\\u0301x"  # it would decorate the text before the value
    assert clean("\x1b\u0336") == "\\x1b\\u0336"  # or the escape's last character


def test_long_runs_of_spaces_are_counted():
    assert clean("x" + " " * 300 + "Key     y") == "x␠×300Key␠×5y"
    assert clean("two  spaces") == "two  spaces"
    assert clean(" " * 100_000, limit=60) == "␠×100000"


def test_a_cut_never_splits_an_escape():
    assert clean("ab\u202ecdefgh", limit=6) == "ab…"
    assert clean("\x1b" * 100, limit=60) == "\\x1b" * 12 + "…(+88 chars)"  # 60 characters, none of them half an escape
