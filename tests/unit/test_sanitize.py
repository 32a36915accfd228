"""Attacker-typed text must reach the terminal only as printable characters."""

import pytest

from tui.sanitize import clean, decode_bytes


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


def test_invalid_utf8_is_shown_as_hex():
    assert decode_bytes(b"ok\xff\xfe") == "ok\\xff\\xfe"


def test_non_strings_are_shown_without_raising():
    assert clean(None) == ""
    assert clean(42) == "42"
