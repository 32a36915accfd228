"""Where a Canary console and its token may be found beyond Roost's config, and its API address.

Thinkst's own Python library (canarytools-python) reads ``CANARY_API_DOMAIN`` and
``CANARY_API_TOKEN`` from the environment, or a ``[CanaryTools]`` section with
``domain`` and ``api_key`` from its INI file; Roost reads the same, so an analyst
who has set that library up needs nothing more.  A console is named by its domain
hash (the HASH in HASH.canary.tools) or its URL; ``resolve_base_url`` makes either
the API root.  Roost's config (``tui.config``) decides which source wins and which
token may go to which console.
"""

from __future__ import annotations

import configparser
import ipaddress
import re
from pathlib import Path
from typing import Mapping

from ...config import CONFIG_FILE_LIMIT, read_regular_file, shown
from ...secret import Secret
from ..base import ConfigSources, ToolConfig
from ..errors import ConfigError

API_PATH = "/api/v1"
CONSOLE_VARIABLE = "CANARY_API_DOMAIN"
TOKEN_VARIABLE = "CANARY_API_TOKEN"
CANARYTOOLS_SECTION = "CanaryTools"

_DOMAIN_HASH = re.compile(r"[A-Za-z0-9-]+")
# RFC 6761 names that never resolve on the internet: safe for an in-process test console.
_TEST_DOMAINS = (".test", ".invalid")


def resolve_base_url(console: str, *, transport_injected: bool = False) -> str:
    """The API root (``https://HASH.canary.tools/api/v1``) for a domain hash or a console URL.

    URLs may end in ``/`` or ``/api/v1``.  Plain http is refused, since the token would
    travel unencrypted, unless the host is loopback or, when the caller injects its own
    transport, a reserved test name such as ``console.test`` that cannot reach a network.
    """
    text = console.strip()
    if not text:
        raise ConfigError(
            "No console given: use your console's domain hash (the HASH in HASH.canary.tools) or its https:// URL."
        )
    if "://" not in text:
        if _DOMAIN_HASH.fullmatch(text):
            return f"https://{text.lower()}.canary.tools{API_PATH}"
        text = f"https://{text}"
    import httpx  # here, not before the first frame: only a client being made needs it

    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        raise ConfigError("The console URL is not a valid address; use e.g. https://HASH.canary.tools.") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError("The console URL must start with https://, e.g. https://HASH.canary.tools.")
    if url.userinfo or url.query or url.fragment:
        # Never echo the URL: a pasted next_link carries the token in its query string.
        raise ConfigError("The console URL must be just the address (no user name, query string or fragment).")
    if url.scheme == "http" and not _may_use_plain_http(url.host, transport_injected):
        raise ConfigError(
            f"Refusing plain http to {url.host}: the API token would travel unencrypted. "
            "Use https://, or http only for a loopback address (127.0.0.1, ::1, localhost)."
        )
    root = url.path.rstrip("/").removesuffix(API_PATH)
    return str(url.copy_with(path=root + API_PATH))


def _may_use_plain_http(host: str, transport_injected: bool) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return transport_injected and host.lower().endswith(_TEST_DOMAINS)


def canarytools_config_paths(environ: Mapping[str, str]) -> list[Path]:
    """Where canarytools-python looks, in its order."""
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    return [home / ".canarytools.config", home / "canarytools.config", Path("/etc/canarytools.config")]


def read_canarytools_config(environ: Mapping[str, str]) -> ToolConfig | None:
    """The first canarytools.config with both a domain and a key, as canarytools-python reads it."""
    for path in canarytools_config_paths(environ):
        try:
            text, mode = read_regular_file(
                path, CONFIG_FILE_LIMIT, shown(path), "canarytools.config must be a regular file; remove or replace it."
            )
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text, source=str(path))
        except (FileNotFoundError, PermissionError, NotADirectoryError):
            continue  # skipped, as canarytools-python skips a file it cannot open
        except (OSError, configparser.Error, UnicodeDecodeError) as error:
            raise ConfigError(f"{shown(path)} is not a valid canarytools.config ({type(error).__name__}).") from None
        section = parser[CANARYTOOLS_SECTION] if parser.has_section(CANARYTOOLS_SECTION) else {}
        domain, api_key = section.get("domain", "").strip(), section.get("api_key", "").strip()
        if domain and api_key:
            return ToolConfig(domain, Secret(api_key), path, mode, token_label="api_key", console_label="domain")
    return None


CANARY_CONFIG_SOURCES = ConfigSources(
    console_variable=CONSOLE_VARIABLE,
    token_variable=TOKEN_VARIABLE,
    read_tool_config=read_canarytools_config,
    api_url=resolve_base_url,
    # A test's in-process console (http://console.test) is one console too.
    console_identity=lambda console: resolve_base_url(console, transport_injected=True),
)
