"""Consoles Roost speaks to, each behind the contract in ``base``; ``registry`` maps a profile's
``backend = "..."`` to one.  Nothing outside a backend's own package imports from it but the registry."""
