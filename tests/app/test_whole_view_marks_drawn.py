"""`*` marks the view as it is when pressed: what arrives afterwards is neither drawn marked nor acted on."""

from __future__ import annotations

from .conftest import NOW, build_app, screen_text, settle, wait_for, wait_for_triage


def drawn_marked(app) -> list[str]:
    """The table's rows drawn with the mark flag."""
    return [line for line in screen_text(app).splitlines() if line.startswith("▌")]


async def test_an_incident_arriving_after_star_is_not_drawn_marked_nor_acted_on(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        marked = set(screen.current_view().whole().keys())
        await pilot.press("asterisk")
        assert len(drawn_marked(app)) == screen.table.visible_rows
        before = len(app.store)
        console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 600,
                             src_host="198.51.100.77", dst_port=22)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.store) == before + 1, "the poll")
        await pilot.pause()
        newest = screen.current_view().keys(0, 1)[0]
        assert newest not in marked and screen.table.row_keys[0] == newest
        rows = screen_text(app).splitlines()
        assert not rows[2].startswith("▌")  # the new incident, at the top (under the bar and the header)
        assert len(drawn_marked(app)) == screen.table.visible_rows - 1
        assert f"▌{len(marked):,} marked" in rows[0]
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert not console.is_acknowledged(newest)
        assert all(console.is_acknowledged(key) for key in marked)
