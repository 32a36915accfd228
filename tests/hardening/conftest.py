"""Hardening tests run in a home of their own: no real config, token, cache or state is read or written."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("CONFIG", "CACHE", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(home / name.lower()))
    for name in ("ROOST_CONFIG", "CANARY_API_DOMAIN", "CANARY_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home
