"""A restart from the cache draws before anything its first frame does not show is imported: httpx and
its transport are a tenth or more of Roost's start-up, and the first rows come from the local cache,
not the console; the dialogs, the export and the config writer wait for the key that asks for them."""

from __future__ import annotations

import subprocess
import sys
from functools import cache

import pytest

# What launch does before the app's first frame, in a fresh interpreter: the launcher and the app,
# the main screen's module (the app's default screen), the cache opened for the backend's
# documents, the backend opened (nothing sent yet).  Prints the modules then loaded, one a line
# (not those marked absent: ``httpx._main``).
_UP_TO_THE_FIRST_FRAME = """
import sys
import tui.cli, tui.launch, tui.app, tui.screens.main
from tui.backends import registry
from tui.config import Settings
from tui.secret import Secret
backend = registry.open_backend(Settings(console="https://0123abcd.canary.tools", token=Secret("t" * 32)))
registry.backend_class("canary").documents
print("\\n".join(sorted(name for name, module in sys.modules.items() if module is not None)))
"""

#: Imported where first used, never for the first frame: the dialogs (the edit forms bring Textual's
#: TextArea, its document model and the radio buttons), the export and the config writer; TOML only
#: once there is a config file to read, and the demo's token maker only for a demo.
DEFERRED = (
    "tui.screens.edit", "tui.screens.pickers", "tui.screens.confirm", "tui.screens.help", "tui.widgets.toggles",
    "textual.widgets._text_area", "textual.widgets._radio_button", "tui.export", "tui.profile_writer", "tomllib",
    "secrets",
)
#: The modules whose imports moved into the functions that use them, and what they import there.
IMPORTED_LATE = (
    "tui.app", "tui.launch", "tui.config", "tui.screens.incident_list", "tui.screens.edit_actions",
    "tui.screens.edit", "tui.screens.pickers", "tui.screens.confirm", "tui.screens.help", "tui.export",
    "tui.profile_writer",
)


@cache
def loaded_up_to_the_first_frame() -> frozenset[str]:
    done = subprocess.run([sys.executable, "-c", _UP_TO_THE_FIRST_FRAME], capture_output=True, text=True, check=True)
    return frozenset(done.stdout.split())


def test_a_canary_session_opens_without_importing_the_http_stack():
    http_stack = {name for name in loaded_up_to_the_first_frame() if name.split(".")[0] in ("httpx", "httpcore", "h11", "anyio")}
    assert http_stack == set()


def test_the_first_frame_imports_no_dialog_export_or_config_writer():
    assert loaded_up_to_the_first_frame() & set(DEFERRED) == set()


def test_the_probe_sees_the_main_screen_it_imports():
    assert {"tui.screens.main", "tui.widgets.incident_table"} <= loaded_up_to_the_first_frame()


@pytest.mark.parametrize("module", IMPORTED_LATE)
def test_a_module_imports_on_its_own(module):
    subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=True)


def test_the_client_is_made_when_the_backend_first_speaks():
    from tui.backends import registry
    from tui.config import Settings
    from tui.secret import Secret

    backend = registry.open_backend(Settings(console="https://0123abcd.canary.tools", token=Secret("t" * 32)))
    assert backend.client.base_url == "https://0123abcd.canary.tools/api/v1"


def test_a_client_made_does_not_import_httpxs_command_line_tool():
    # httpx loads its CLI (click, pygments) whenever click is installed, as uvicorn installs it: 40%
    # of httpx's import, on the first request, in a thread beside the first frames.
    probe = "import sys, tui.backends.canary.client, tui.backends.log360.client; print('click' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
