"""The one place that maps a profile's ``backend = "..."`` to a backend's class."""

from __future__ import annotations

import importlib
from typing import Any

from .base import Backend

# Imported only when chosen: a session loads one console's code.
_BACKENDS = {"canary": ("tui.backends.canary", "CanaryBackend")}


def names() -> tuple[str, ...]:
    return tuple(_BACKENDS)


def backend_for(name: str, client: Any, **options: Any) -> Backend:
    """The session's backend over its connection (``options`` are the backend's own)."""
    return backend_class(name)(client, **options)


def backend_class(name: str) -> type[Backend]:
    """The class for ``name``; KeyError for a backend Roost does not have."""
    module, attribute = _BACKENDS[name]
    return getattr(importlib.import_module(module), attribute)
