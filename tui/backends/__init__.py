"""Consoles Roost speaks to, each behind the contract in ``base``; ``registry`` maps a profile's
``backend = "..."`` to one.  Nothing outside a backend's own package imports from it but the registry."""

import sys

# httpx imports its command-line tool (click, pygments: 40% of its import) whenever click is
# installed, as uvicorn installs it.  Roost never runs that tool, and the import happens on the
# first request, in a thread beside the first frames: marked as absent, httpx skips it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
