"""Where a Log360 server and its token are found, and its API address.

Log360 has no command-line tool of its own with an environment or a config file that
Roost could share, so the console and token come from Roost's config alone; the
profile's own settings (product, allow_http, ca_bundle, timezone, queue, users) are in
``profile``.  A server is named by a URL or a host, which gets the product's default
port (``client.resolve_base_url``).
"""

from __future__ import annotations

from typing import Mapping

import httpx

from ..base import ConfigSources, ToolConfig
from .client import resolve_base_url
from .profile import PROFILE_KEYS


def api_url(console: str) -> str:
    """The API root for a console setting.  A console written with ``http://`` is taken as
    meant: whether the profile allows plain http is checked when the client is made, with
    the profile's ``allow_http`` at hand."""
    return resolve_base_url(console, allow_http=_written_as_http(console))


def _written_as_http(console: str) -> bool:
    text = console.strip() if isinstance(console, str) else ""
    if "://" not in text:
        return False
    try:
        return httpx.URL(text).scheme == "http"
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return False


def _no_tool_config(environ: Mapping[str, str]) -> ToolConfig | None:
    return None


LOG360_CONFIG_SOURCES = ConfigSources(
    console_variable="",
    token_variable="",
    read_tool_config=_no_tool_config,
    api_url=api_url,
    # The host lower-cased, the default port and the API path added: one spelling per server.
    console_identity=api_url,
    profile_keys=PROFILE_KEYS,
)
