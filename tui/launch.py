"""Start the TUI: settings, a checked connection, the cache, then the app."""

from __future__ import annotations

import argparse
import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path

from .api.canary import CanaryClient
from .api.errors import ApiError, ConfigError
from .config import Settings, cache_dir, data_dir, private_dir, resolve_settings
from .secret import Secret
from .store import IncidentStore, SnapshotCache, cache_path_for

DEMO_BACKLOG = 300
DEMO_RATE_PER_MINUTE = 12


@dataclass
class Connection:
    settings: Settings
    demo_server: object | None = None

    def close(self) -> None:
        if self.demo_server is not None:
            self.demo_server.stop()


def start_demo(args: argparse.Namespace) -> Connection:
    """A loopback emulator with a backlog and live arrivals; the demo speaks real HTTP to it."""
    from .emulator.server import EmulatorOptions, EmulatorServer

    token = secrets.token_hex(16)
    options = EmulatorOptions(token=token, backlog=DEMO_BACKLOG, rate=DEMO_RATE_PER_MINUTE, seed=secrets.randbelow(10**6))
    server = EmulatorServer(options)
    server.start()
    settings = Settings(
        console=server.base_url,
        token=Secret(token),
        profile="demo emulator",
        read_only=args.read_only,
        poll_interval=args.poll_interval if args.poll_interval is not None else 5.0,
        page_size=args.page_size or 100,
        bell=args.bell,
    )
    return Connection(settings, server)


def connect(args: argparse.Namespace) -> Connection:
    if args.demo:
        return start_demo(args)
    return Connection(
        resolve_settings(
            console=args.console,
            token_file=args.token_file,
            profile=args.profile,
            read_only=args.read_only,
            poll_interval=args.poll_interval,
            page_size=args.page_size,
            bell=args.bell,
        )
    )


def open_cache(settings: Settings) -> SnapshotCache | None:
    """The console's local snapshot; read later, in the sync worker, not before the UI shows."""
    try:
        return SnapshotCache(cache_path_for(settings.console, private_dir(cache_dir())))
    except OSError:
        return None


def run_tui(args: argparse.Namespace) -> int:
    from .app import RoostApp

    connection = connect(args)
    settings = connection.settings
    try:
        client = CanaryClient(settings.console, settings.token)
        try:
            asyncio.run(_checked(client))
        except ApiError as error:
            raise ConfigError(f"Cannot use {settings.console}: {error}") from None
        store = IncidentStore()
        cache = open_cache(settings) if not args.demo else None
        # The checked client belonged to the asyncio.run loop; the app gets its own.
        client = CanaryClient(settings.console, settings.token)

        async def persist(changes) -> None:
            if cache is not None:
                await asyncio.to_thread(cache.save_changes, store, changes)

        app = RoostApp(
            settings,
            client,
            data_directory=private_dir(data_dir()),
            store=store,
            persist=persist if cache is not None else None,
            preload=cache.load if cache is not None else None,
        )
        app.run()
        return app.return_code or 0
    finally:
        connection.close()


async def _checked(client: CanaryClient) -> None:
    """Fail fast, with one line, on a wrong token or an unreachable console."""
    try:
        await client.ping()
    finally:
        await client.aclose()
