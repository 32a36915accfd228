"""One bad incident does not block the feed, and a token the console echoes back is blanked
however it was encoded, without damaging anything else."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from canary_fakes import CONSOLE_URL, TOKEN, RecordingConsole
from tui.backends.canary.parse import canary_fields
from tui.backends.canary.client import MAX_NESTING, CanaryClient
from tui.backends.errors import ApiError, NotFound, ProtocolError
from tui.backends.canary.parse import Page

DEEP = 5_000


def good(number: int) -> str:
    return json.dumps(
        {"id": f"incident:sshlogin:{number}", "updated_id": number, "summary": "SSH Login Attempt",
         "description": {"logtype": "4002", "src_host": "10.0.0.1", "events": [{"USERNAME": "root", "timestamp": 1}]}}
    )


def with_username(number: int, raw_value: str) -> str:
    """Incident ``number`` whose event's USERNAME is ``raw_value``, exactly as it appears on the wire."""
    return good(number).replace('"root"', raw_value)


def page_text(*items: str, next_cursor: str | None = "c2", max_updated_id: int = 3) -> str:
    cursor = json.dumps({"next": next_cursor, "prev": None})
    return (
        f'{{"feed": "All Incidents", "cursor": {cursor}, "incidents": [{", ".join(items)}], '
        f'"max_updated_id": {max_updated_id}, "result": "success"}}'
    )


async def feed_answered_with(text: str, token: str = TOKEN) -> Page:
    console = RecordingConsole().reply(lambda request: httpx.Response(200, text=text))
    async with CanaryClient(CONSOLE_URL, token, transport=console.transport()) as client:
        return await client.feed("all")


def keys(page: Page) -> list[str]:
    return [incident.key for incident in page.incidents]


# -- one bad incident -----------------------------------------------------------------


async def test_a_deeply_nested_value_costs_only_its_own_incident() -> None:
    deep = "[" * DEEP + "]" * DEEP
    page = await feed_answered_with(page_text(good(1), with_username(2, deep), good(3)))

    assert keys(page) == ["incident:sshlogin:1", "incident:sshlogin:3"]
    assert page.unreadable == 1
    assert (page.next_cursor, page.max_updated_id) == ("c2", 3)  # the page's own fields are still read


async def test_deep_nesting_in_an_object_with_strings_that_look_like_brackets() -> None:
    deep = '{"a": ' * DEEP + '"]}],[{\\"x"' + "}" * DEEP
    tricky = good(3).replace('"root"', '"ro\\"ot ], {"')
    page = await feed_answered_with(page_text(with_username(1, deep), good(2), tricky))

    assert keys(page) == ["incident:sshlogin:2", "incident:sshlogin:3"]
    assert dict(page.incidents[1].events[0].fields)["USERNAME"] == 'ro"ot ], {'
    assert page.unreadable == 1


async def test_raw_control_bytes_inside_strings_are_read_as_they_are() -> None:
    page = await feed_answered_with(page_text(good(1), with_username(2, '"ro\x01ot\x1b[31m\ttab\nline"'), good(3)))

    assert keys(page) == ["incident:sshlogin:1", "incident:sshlogin:2", "incident:sshlogin:3"]
    assert dict(page.incidents[1].events[0].fields)["USERNAME"] == "ro\x01ot\x1b[31m\ttab\nline"
    assert page.unreadable == 0


async def test_both_at_once_and_an_overlong_number_keep_the_rest() -> None:
    deep = "[" * DEEP + "]" * DEEP
    text = page_text(
        with_username(1, '"a\x00b"'), with_username(2, deep), good(3), with_username(4, "9" * 5_000), good(5)
    )
    page = await feed_answered_with(text)

    assert keys(page) == ["incident:sshlogin:1", "incident:sshlogin:3", "incident:sshlogin:5"]
    assert page.unreadable == 2


async def test_a_value_nested_past_the_limit_is_unreadable_even_when_json_could_parse_it() -> None:
    # Parseable here, but too deep for whatever renders, exports or archives it later on a deeper stack.
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    fine = "[" * 10 + "]" * 10
    page = await feed_answered_with(page_text(with_username(1, deep), with_username(2, fine)))

    assert keys(page) == ["incident:sshlogin:2"]
    assert page.unreadable == 1


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"result": "success", "incidents": [], "cursor": ' + "[" * DEEP + "]" * DEEP + "}", id="deep-cursor"),
        pytest.param(page_text(good(1), with_username(2, "[" * DEEP + "]" * DEEP))[:-40], id="deep-and-truncated"),
        pytest.param(page_text(good(1)).replace('"result"', '"result\x01', 1), id="broken-envelope"),
        pytest.param("[" * DEEP + "]" * DEEP, id="deep-list"),
    ],
)
async def test_a_page_whose_own_fields_cannot_be_read_is_still_one_protocol_error(text: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        await feed_answered_with(text)
    assert "\n" not in str(caught.value)


# -- an echoed token ------------------------------------------------------------------


def json_escaped(text: str) -> str:
    """``text`` as a console could put it in a JSON string: every character a \\u escape."""
    return "".join(f"\\u{ord(char):04x}" for char in text)


def everything_kept(page: Page) -> str:
    """All a page leaves behind: its raw JSON and every incident's fields, events and raw JSON."""
    parts: list[Any] = [json.dumps(page.raw, ensure_ascii=False)]
    for incident in page.incidents:
        parts += [repr(incident), json.dumps(incident.raw, ensure_ascii=False)]
        parts += [repr(event.fields) + json.dumps(event.raw, ensure_ascii=False) for event in incident.events]
    return "\n".join(parts)


@pytest.mark.parametrize("encode", [lambda token: token, json_escaped], ids=["raw", "json-escaped"])
async def test_an_echoed_token_is_blanked_everywhere_it_could_be_kept(encode) -> None:
    echoed = encode(TOKEN)
    item = json.loads(good(1))
    text = page_text(json.dumps(item), max_updated_id=1).replace('"root"', f'"user {echoed}"')
    text = text.replace('"summary": "SSH Login Attempt"', f'"summary": "{echoed}"')
    text = text.replace('"src_host": "10.0.0.1"', f'"src_host": "10.0.0.1", "memo": "memo {echoed} x", "{echoed}": "a key"')
    page = await feed_answered_with(text)

    [incident] = page.incidents
    assert incident.title == "********" and canary_fields(incident).memo == "memo ******** x"
    assert dict(incident.events[0].fields)["USERNAME"] == "user ********"
    assert TOKEN not in everything_kept(page)


@pytest.mark.parametrize("encode", [lambda token: token, json_escaped], ids=["raw", "json-escaped"])
async def test_an_echoed_token_is_blanked_in_error_messages(encode) -> None:
    text = '{"result": "error", "message": "Incident not found for %s"}' % encode(TOKEN)
    with pytest.raises(NotFound) as caught:
        await feed_answered_with(text)
    assert TOKEN not in str(caught.value) and "********" in str(caught.value)


SHORT_TOKEN = "t"  # an emulator token: it cannot be told from ordinary text, so blanking it would wreck the data


async def test_a_short_token_does_not_damage_what_the_console_sends() -> None:
    page = await feed_answered_with(page_text(good(1), good(2)), token=SHORT_TOKEN)

    assert keys(page) == ["incident:sshlogin:1", "incident:sshlogin:2"]
    assert page.incidents[0].title == "SSH Login Attempt"
    assert page.next_cursor == "c2" and "********" not in everything_kept(page)


async def test_a_short_token_leaves_error_messages_whole() -> None:
    with pytest.raises(ApiError) as caught:
        await feed_answered_with('{"result": "error", "message": "Incident not found"}', token=SHORT_TOKEN)
    assert isinstance(caught.value, NotFound) and "Incident not found" in str(caught.value)


async def test_a_short_token_still_pings() -> None:
    console = RecordingConsole().reply({"result": "success"})
    async with CanaryClient(CONSOLE_URL, SHORT_TOKEN, transport=console.transport()) as client:
        assert await client.ping() is True
