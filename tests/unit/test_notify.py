"""OSC 9 / OSC 777 desktop notifications: the sequences terminals read, tmux's passthrough,
and attacker text that cannot escape its field."""

from __future__ import annotations

import re

import pytest

from tui.notify import inside_tmux, notification


def test_osc9_names_the_console_and_the_newest_title():
    assert notification("osc9", "prod", "SSH Login Attempt") == "\x1b]9;Roost · prod: SSH Login Attempt\x07"
    assert notification("osc9", "prod", "SSH Login Attempt", count=3) == (
        "\x1b]9;Roost · prod: 3 new: SSH Login Attempt\x07")


def test_osc777_has_a_title_field_and_a_body_field():
    assert notification("osc777", "lab", "Port Scan") == "\x1b]777;notify;Roost · lab;Port Scan\x07"


def test_inside_tmux_the_sequence_is_wrapped_and_its_escapes_doubled():
    wrapped = notification("osc9", "prod", "x", tmux=True)
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;Roost · prod: x\x07\x1b\\"
    assert inside_tmux({"TMUX": "/tmp/tmux-0/default,1,0"}) and not inside_tmux({})


@pytest.mark.parametrize("hostile", [
    "\x1b]52;c;ZXZpbA==\x07",  # a clipboard write
    "\x1b]0;owned\x07title",  # a window title
    "bell\x07\x07",
    "\x9b31m C1 CSI",
    "st\x1b\\end",
    "a;b;c",  # more OSC 777 fields
])
def test_attacker_text_never_ends_the_sequence_or_adds_fields(hostile):
    for kind in ("osc9", "osc777"):
        sequence = notification(kind, hostile, hostile, tmux=False)
        inner = sequence[:-1]
        assert sequence.endswith("\x07") and not re.search(r"[\x00-\x1f\x7f-\x9f]", inner[2:])
        if kind == "osc777":
            assert inner.count(";") == 3  # 777;notify;title;body


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="osc9, osc777"):
        notification("growl", "prod", "x")  # type: ignore[arg-type]
