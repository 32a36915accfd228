"""A query the ``/`` line cannot use says why in one line, read whole at 80 columns: the error
takes the room the line has beside the query, not half of it (issue 12)."""

from __future__ import annotations

import pytest

from tui.backends.canary import CanaryBackend
from tui.backends.log360 import Log360Backend
from tui.filtering import parse_filter

from .conftest import build_app, screen_text, settle

#: What an error may take at 80 columns: the line less the prompt ("/ "), a dozen cells of query
#: and the status's padding.
ROOM_AT_80 = 80 - 2 - 12 - 2


@pytest.mark.parametrize("query", ["port:abc", "port:99999", "ack:maybe", "foo:x", "flocks:web", "ssh src:10.0. port:abc"])
async def test_a_filter_error_is_shown_whole_at_80_columns(console, tmp_path, query):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *query)
        await pilot.pause()
        [error] = parse_filter(query, app.screen.session.backend).errors
        line = next(line for line in screen_text(app).splitlines() if line.startswith("/ "))
        assert error in line


@pytest.mark.parametrize("backend", [CanaryBackend(client=None), Log360Backend(client=None)], ids=["canary", "log360"])
def test_every_field_error_fits_beside_its_query_at_80_columns(backend):
    """Each field's error for a bad value (as long as a mistyped word), and an unknown field's."""
    queries = [f"{declared.name}:notavalue" for declared in backend.filter_fields] + ["nosuchfield:x"]
    errors = [error for query in queries for error in parse_filter(query, backend).errors]
    assert errors  # fields that take any value have none
    assert [error for error in errors if len(error) > ROOM_AT_80] == []
