"""``roost emulator --backend log360``: the Log360 server built from the shared command-line options."""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette

from ..faults import FaultPlan
from .app import ALL_SCOPES, create_app
from .generator import Log360Generator
from .state import Clock, Log360State
from .wire import IN_PROGRESS_SPELLINGS, load_saved

_SCOPE = re.compile(r"[A-Za-z]+\.[A-Za-z*]+")


def parse_scopes(text: str) -> tuple[str, ...]:
    """``incident.READ,users.READ`` -> its scopes; ValueError (one line) if one is not ``area.ACTION``."""
    scopes = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [scope for scope in scopes if _SCOPE.fullmatch(scope) is None]
    if bad or not scopes:
        raise ValueError(f"not a list of scopes like incident.READ,incident.CREATE: {text!r}")
    return scopes


@dataclass(frozen=True)
class Log360Options:
    token: str = field(repr=False)
    read_only_token: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ALL_SCOPES
    backlog: int = 200
    seed: int = 0
    rate: float = 0.0
    load: Path | None = None
    latency_ms: int = 0
    faults: FaultPlan | None = None
    always_200: bool = False
    rate_limit: bool = True
    in_progress_spelling: str = IN_PROGRESS_SPELLINGS[0]

    def build_state(self, clock: Clock = time.time) -> Log360State:
        """The loaded file's users and incidents, then ``backlog`` generated ones.

        Raises OSError or ValueError (one line naming the file) if it cannot be loaded.
        """
        from ..server import read_saved_feed  # here: server imports this module

        state = Log360State(clock)
        if self.load is not None:
            try:
                load_saved(state, read_saved_feed(self.load))
            except ValueError as problem:
                raise ValueError(f"{self.load}: {problem}") from None
        Log360Generator(state, self.seed).populate(self.backlog)
        return state

    def build_app(self, clock: Clock = time.time) -> Starlette:
        state = self.build_state(clock)
        app = create_app(
            state, self.token, scopes=self.scopes, read_only_token=self.read_only_token,
            in_progress_spelling=self.in_progress_spelling, rate_limit=self.rate_limit, always_200=self.always_200,
            faults=self.faults, latency_ms=self.latency_ms,
        )
        # EmulatorServer's live arrivals ask for this; Canary's app has none and gets Canary's generator.
        app.state.live_generator = lambda seed: Log360Generator(state, seed)
        return app


def options_from_args(args: argparse.Namespace, *, token: str, backlog: int, seed: int,
                      faults: FaultPlan | None) -> Log360Options:
    """Raises ValueError for a bad ``--scopes``."""
    return Log360Options(
        token=token, read_only_token=args.read_only_token,
        scopes=parse_scopes(args.scopes) if args.scopes else ALL_SCOPES,
        backlog=backlog, seed=seed, rate=args.rate, load=args.load, latency_ms=args.latency, faults=faults,
        always_200=args.always_200, rate_limit=not args.no_rate_limit,
        in_progress_spelling=args.in_progress_spelling,
    )


def banner(base_url: str, options: Log360Options, incidents: int, faults_spec: str) -> str:
    lines = [
        f"Roost Log360 (EventLog Analyzer API v2) emulator listening on {base_url}",
        f"  API token:        {options.token}",
        f"  scopes:           {','.join(options.scopes)}",
    ]
    if options.read_only_token:
        lines.append(f"  read-only token:  {options.read_only_token}")
    lines.append(f"  incidents:        {incidents} (seed {options.seed}), {options.rate:g} new per minute")
    lines.append(f"  rate limit:       {'60 requests per minute' if options.rate_limit else 'off'}")
    if faults_spec or options.latency_ms:
        lines.append(f"  faults:           {faults_spec or 'none'}; latency {options.latency_ms} ms")
    lines += [
        "Try:",
        f"  curl -H 'Authorization: Bearer {options.token}' '{base_url}/api/v2/incident?from=1&limit=5'",
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)
