"""Archives written at once never take each other's place (several consoles delete in the same second)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from canary_builders import canary_incident
from tui.archive import archive_before_delete

NOW = 1_763_800_000


def test_archives_written_in_the_same_second_each_keep_their_own_file(tmp_path):
    batches = [[canary_incident(key=f"incident:console-{number}:{index}") for index in range(2)] for number in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        paths = list(pool.map(lambda batch: archive_before_delete(batch, tmp_path, now=NOW), batches))
    assert len(set(paths)) == len(batches)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in paths)  # no temp files left
    for path, batch in zip(paths, batches):
        assert [raw["key"] if "key" in raw else raw for raw in json.loads(path.read_text())["incidents"]] == [
            incident.raw.get("key", incident.raw) for incident in batch]
        assert path.stat().st_mode & 0o777 == 0o600
