"""The core never imports Textual: it runs in tests, benches and exports without a terminal."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = (
    "tui.model", "tui.store", "tui.sync", "tui.triage", "tui.cache", "tui.details", "tui.filtering",
    "tui.export", "tui.archive", "tui.audit", "tui.backends.canary.bulk", "tui.timefmt", "tui.backoff", "tui.sanitize",
    "tui.duedate", "tui.profile_writer", "tui.collector", "tui.notify", "tui.actions", "tui.session", "tui.inbox",
    # The contract and what every backend shares, and each backend whole: no Textual below the UI.
    "tui.backends.base", "tui.backends.acting", "tui.backends.http", "tui.backends.canary", "tui.backends.log360",
)


def loads_textual(module: str) -> bool:
    """Whether importing ``module`` in a fresh interpreter brings Textual in."""
    probe = f"import sys, {module}; print(any(name == 'textual' or name.startswith('textual.') for name in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


@pytest.mark.parametrize("module", CORE)
def test_a_core_module_does_not_import_textual(module):
    assert not loads_textual(module)


def test_the_probe_sees_textual_where_it_is():
    assert loads_textual("tui.app")
