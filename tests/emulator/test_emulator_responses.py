"""The console's JSON bytes: exactly what ``json.dumps(indent=2)`` writes, plus a newline."""

from __future__ import annotations

import enum
import json

import pytest

from tui.emulator.canary import timefmt, wire
from tui.emulator.canary.generator import populate
from tui.emulator.responses import ConsoleJSON, pretty_json
from tui.emulator.canary.state import ConsoleState

from .conftest import NOW


class Level(enum.IntEnum):
    HIGH = 3


class Tag(str, enum.Enum):
    RED = "red"


ODD_VALUES = {
    "empties": [{}, [], "", {"a": {}}, [[]]],
    "unicode": "café \u202e \ud800 🐦 \x00 \x1b[2J \"quoted\" back\\slash",
    "numbers": [0, -0.0, 19579.0, 1e300, 2.5e-300, 10**40, -7, True, False, None],
    "tuple": (1, (2, 3)),
    "subclasses": [Level.HIGH, Tag.RED],
    "keys": {1: "int", 2.5: "float", True: "bool", None: "null", "": "empty"},
    "deep": {"a": [{"b": [{"c": [1, {"d": []}]}]}]},
}


def test_pretty_json_writes_what_json_dumps_writes():
    state = ConsoleState(clock=lambda: NOW)
    populate(state, 40, seed=2)
    feed = wire.feed_response("All Incidents", state.records(), NOW, tz=timefmt.UTC, event_limit=None, shrink=True)
    for value in (feed, ODD_VALUES, [], {}, "text", 5, None):
        assert pretty_json(value) == json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)


@pytest.mark.parametrize(("value", "error"), [(float("nan"), ValueError), ({"x": [float("inf")]}, ValueError),
                                              ({1, 2}, TypeError), ({(1, 2): "tuple key"}, TypeError)])
def test_pretty_json_refuses_what_json_refuses(value, error):
    with pytest.raises(error):
        json.dumps(value, allow_nan=False)
    with pytest.raises(error):
        pretty_json(value)


def test_the_body_is_ascii_and_ends_with_a_newline():
    body = ConsoleJSON({"memo": "caf\u00e9"}).body
    assert body == b'{\n  "memo": "caf\\u00e9"\n}\n'
