"""The one place that maps a profile's ``backend = "..."`` to a backend's class."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .base import Backend, ConfigSources

if TYPE_CHECKING:
    from ..config import Settings

# Imported only when chosen: a session loads one console's code.
_BACKENDS = {
    "canary": ("tui.backends.canary", "CanaryBackend"),
    "log360": ("tui.backends.log360", "Log360Backend"),
}
#: The backend of a profile that names none (Roost spoke only to Canary before it had a choice).
DEFAULT_BACKEND = "canary"


def names() -> tuple[str, ...]:
    return tuple(_BACKENDS)


def open_backend(settings: Settings, *, read_attempts: int = 1, **connection: Any) -> Backend:
    """The session's backend for ``settings`` (see ``Backend.open``); nothing is sent yet."""
    return backend_class(settings.backend).open(settings, read_attempts=read_attempts, **connection)


def config_sources(name: str) -> ConfigSources:
    """Where backend ``name`` finds its console and token beyond Roost's config."""
    return backend_class(name).config_sources


def backend_class(name: str) -> type[Backend]:
    """The class for ``name``; KeyError for a backend Roost does not have."""
    module, attribute = _BACKENDS[name]
    return getattr(importlib.import_module(module), attribute)
