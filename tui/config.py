"""Where Roost finds its console, its token and its directories.

The console and token come, in order, from the command line (``--console``,
``--token-file``), then from the environment variables of Thinkst's own
Python library (``CANARY_API_DOMAIN``, ``CANARY_API_TOKEN``).  The token is
never taken from the command line itself: process arguments are visible to
every user on a shared jump host.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from .api.errors import ConfigError
from .secret import Secret

APP_NAME = "roost"
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Settings:
    """Everything a session needs to reach one console."""

    console: str
    token: Secret = field(repr=False)
    backend: str = "canary"
    profile: str = ""
    read_only: bool = False
    poll_interval: float = DEFAULT_POLL_INTERVAL
    page_size: int = DEFAULT_PAGE_SIZE
    bell: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What the header shows so nobody acts on the wrong console."""
        return self.profile or self.console


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def read_token_file(path: Path) -> tuple[Secret, list[str]]:
    """The token in ``path`` (first non-empty line), and any warnings about the file."""
    warnings: list[str] = []
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Token file {path} does not exist: create it or fix --token-file.") from None
    except PermissionError:
        raise ConfigError(f"Token file {path} cannot be read: check its permissions.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"Token file {path} cannot be read ({type(error).__name__}).") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(f"Token file {path} is readable by others: run chmod 600 {path}.")
    token = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not token:
        raise ConfigError(f"Token file {path} is empty: put the API token on its first line.")
    return Secret(token), warnings


def resolve_settings(
    *,
    console: str | None,
    token_file: str | None,
    read_only: bool = False,
    poll_interval: float | None = None,
    page_size: int | None = None,
    bell: bool = False,
    environ: dict[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    console = (console or env.get("CANARY_API_DOMAIN", "")).strip()
    if not console:
        raise ConfigError(
            "No console given: pass --console HASH_OR_URL or set CANARY_API_DOMAIN "
            "(or try roost --demo)."
        )
    warnings: list[str] = []
    if token_file:
        token, warnings = read_token_file(Path(token_file).expanduser())
    elif env.get("CANARY_API_TOKEN", "").strip():
        token = Secret(env["CANARY_API_TOKEN"].strip())
    else:
        raise ConfigError("No API token: set CANARY_API_TOKEN or pass --token-file PATH.")
    if poll_interval is not None and poll_interval < 0:
        raise ConfigError("--poll-interval must be 0 (manual) or a number of seconds.")
    if page_size is not None and not 10 <= page_size <= 1000:
        raise ConfigError("--page-size must be between 10 and 1000.")
    return Settings(
        console=console,
        token=token,
        read_only=read_only,
        poll_interval=DEFAULT_POLL_INTERVAL if poll_interval is None else poll_interval,
        page_size=page_size or DEFAULT_PAGE_SIZE,
        bell=bell,
        warnings=tuple(warnings),
    )
