"""Synthetic but realistic Canary incidents for benchmarks, from a seeded Random.

Each incident is built as the console's feed JSON and parsed by the real
``parse_incident``, so its ``raw`` round-trips through the cache like real data.
Mix: service and scan logtypes plus Canarytokens, ~200 source addresses of which
a few noisy ones produce much of the traffic, 10 birds, ~30% acknowledged.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from random import Random
from typing import Any, Callable, Sequence

from tui.backends.canary.logtypes import logtype_name
from tui.backends.canary.parse import canary_fields, parse_incident
from tui.model import Incident

# A fixed "now" keeps runs comparable; incidents spread over the 90 days before it.
_NOW = 1_760_000_000
_SPAN_SECONDS = 90 * 24 * 3600
_ACKNOWLEDGED_SHARE = 0.3

_USERNAMES = ("root", "admin", "administrator", "oracle", "ubuntu", "pi", "guest", "backup")
_PASSWORDS = ("123456", "password", "admin", "toor", "letmein", "Winter2025!", "qwerty")


def _login(rng: Random) -> dict[str, Any]:
    return {"USERNAME": rng.choice(_USERNAMES), "PASSWORD": rng.choice(_PASSWORDS)}


def _http(rng: Random) -> dict[str, Any]:
    return {
        "PATH": rng.choice(("/", "/login", "/admin", "/wp-login.php", "/.env")),
        "USERAGENT": rng.choice(("curl/8.5.0", "Mozilla/5.0", "python-requests/2.32")),
        **_login(rng),
    }


def _scan(rng: Random) -> dict[str, Any]:
    return {"PORTS": ",".join(str(rng.randrange(1, 65536)) for _ in range(rng.randint(3, 12)))}


def _token(rng: Random) -> dict[str, Any]:
    return {"type": "dns", "headers": {}, "geoip": {"country": rng.choice(("ZA", "US", "NL"))}}


def _nothing(rng: Random) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class _Kind:
    logtype: int
    dst_port: int
    weight: int
    event: Callable[[Random], dict[str, Any]]


_KINDS = (
    _Kind(4002, 22, 30, _login),
    _Kind(3001, 80, 15, _http),
    _Kind(5007, 0, 12, _scan),
    _Kind(5003, 0, 8, _scan),
    _Kind(2000, 21, 6, _login),
    _Kind(6001, 23, 6, _login),
    _Kind(14001, 3389, 5, _nothing),
    _Kind(8001, 3306, 4, _login),
    _Kind(9001, 1433, 3, _login),
    _Kind(16000, 53, 6, _token),
    _Kind(16009, 80, 3, _token),
    _Kind(1004, 0, 2, _nothing),
)
_KIND_WEIGHTS = [kind.weight for kind in _KINDS]


class IncidentFactory:
    """Makes incidents and deltas; ``updated_id`` rises across everything it makes."""

    def __init__(self, seed: int) -> None:
        self._rng = Random(seed)
        self._next_updated_id = 1
        self._sources = self._make_sources()
        # A handful of noisy scanners produce about half of the incidents.
        self._source_weights = [40 if index < 5 else 1 for index in range(len(self._sources))]
        self._birds = [
            (f"{self._rng.getrandbits(64):016x}", name, f"10.10.{index}.{10 + index}")
            for index, name in enumerate(
                ("web-dmz-01", "web-dmz-02", "fileserver", "sql-prod", "jumpbox",
                 "ftp-legacy", "dc-backup", "printer-3f", "hr-share", "scada-hmi")
            )
        ]

    def _make_sources(self) -> list[str]:
        rng = self._rng
        sources = [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(150)]
        sources += [f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(40)]
        sources += [f"2001:db8::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}" for _ in range(8)]
        sources += ["scanner.example.net", ""]  # a hostname and a token hit with no address
        rng.shuffle(sources)
        return sources

    def _take_updated_id(self) -> int:
        updated_id = self._next_updated_id
        self._next_updated_id += 1
        return updated_id

    def incidents(self, count: int) -> list[Incident]:
        """``count`` incidents created over the last 90 days, oldest first."""
        rng = self._rng
        created = sorted(_NOW - rng.randrange(_SPAN_SECONDS) for _ in range(count))
        return [self._new(when, acknowledged=rng.random() < _ACKNOWLEDGED_SHARE) for when in created]

    def delta(self, existing: Sequence[Incident], new: int, changed: int, acked: int) -> list[Incident]:
        """A poll's worth: ``new`` incidents, ``changed`` with one more event, ``acked``."""
        rng = self._rng
        touched = rng.sample(range(len(existing)), changed + acked)
        fresh = [self._new(_NOW + rng.randrange(3600), acknowledged=False) for _ in range(new)]
        more_events = [self._revised(existing[i], add_event=True) for i in touched[:changed]]
        acknowledged = [self._revised(existing[i], acknowledge=True) for i in touched[changed:]]
        return fresh + more_events + acknowledged

    def _new(self, created: int, acknowledged: bool) -> Incident:
        rng = self._rng
        kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
        is_token = 16000 <= kind.logtype < 18000
        source = rng.choices(self._sources, self._source_weights)[0]
        node_id, name, bird_ip = self._birds[rng.randrange(len(self._birds))]
        if is_token:
            node_id, name, bird_ip = f"{rng.getrandbits(120):025x}"[:25], "N/A", ""
        hash_id = f"{rng.getrandbits(128):032x}"
        events = [self._event(kind, created + offset) for offset in range(rng.choice((1, 1, 1, 2, 3, 5)))]
        title = logtype_name(kind.logtype)
        body = {
            "acknowledged": "True" if acknowledged else "False",
            "created": str(created),
            "description": title,
            "dst_host": bird_ip,
            "dst_port": str(kind.dst_port),
            "events": events,
            "events_count": str(len(events)),
            "flock_id": "flock:default",
            "flock_name": "Default Flock",
            "local_time": datetime.fromtimestamp(created, timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "logtype": str(kind.logtype),
            "name": name,
            "node_id": node_id,
            "notified": "False",
            "src_host": source,
            "src_host_reverse": f"host-{source.replace('.', '-')}.example.net" if source else "",
            "src_port": str(rng.randrange(1024, 65536)),
        }
        if is_token:
            body["memo"] = rng.choice(("AWS keys on the build server", "HR salaries.xlsx", "VPN config"))
        key = f"incident:{title.split()[0].lower()}:{hash_id}:{source}:{created}"
        return parse_incident(self._envelope(key, hash_id, title, body, created))

    def _envelope(self, key: str, hash_id: str, title: str, body: dict[str, Any], updated: int) -> dict[str, Any]:
        return {
            "description": body,
            "hash_id": hash_id,
            "id": key,
            "summary": title,
            "updated_id": self._take_updated_id(),
            "updated_time": str(updated),
        }

    def _event(self, kind: _Kind, timestamp: int) -> dict[str, Any]:
        return {**kind.event(self._rng), "timestamp": timestamp}

    def _revised(self, incident: Incident, *, add_event: bool = False, acknowledge: bool = False) -> Incident:
        raw = copy.deepcopy(incident.raw)
        body = raw["description"]
        updated = int(raw["updated_time"]) + 60
        if add_event:
            kind = next(k for k in _KINDS if k.logtype == canary_fields(incident).logtype)
            body["events"].append(self._event(kind, updated))
            body["events_count"] = str(len(body["events"]))
        if acknowledge:
            body["acknowledged"] = "True"
        return parse_incident(self._envelope(raw["id"], raw["hash_id"], raw["summary"], body, updated))
