"""A restart from the cache draws before the HTTP stack is imported: httpx and its transport are a
tenth or more of Roost's start-up, and the first rows come from the local cache, not the console."""

from __future__ import annotations

import subprocess
import sys

# What launch does before the app's first frame, in a fresh interpreter: the launcher and the app,
# the cache opened for the backend's documents, the backend opened (nothing sent yet).
_UP_TO_THE_FIRST_FRAME = """
import sys
import tui.cli, tui.launch, tui.app
from tui.backends import registry
from tui.config import Settings
from tui.secret import Secret
backend = registry.open_backend(Settings(console="https://0123abcd.canary.tools", token=Secret("t" * 32)))
registry.backend_class("canary").documents
print(sorted(name for name in sys.modules if name.split(".")[0] in ("httpx", "httpcore", "h11", "anyio")))
"""


def test_a_canary_session_opens_without_importing_the_http_stack():
    done = subprocess.run([sys.executable, "-c", _UP_TO_THE_FIRST_FRAME], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_client_is_made_when_the_backend_first_speaks():
    from tui.backends import registry
    from tui.config import Settings
    from tui.secret import Secret

    backend = registry.open_backend(Settings(console="https://0123abcd.canary.tools", token=Secret("t" * 32)))
    assert backend.client.base_url == "https://0123abcd.canary.tools/api/v1"
