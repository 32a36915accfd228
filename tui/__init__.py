"""Roost: a keyboard-driven terminal console for live security-incident triage."""

__version__ = "0.1.0"
