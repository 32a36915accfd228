"""The profile settings a Log360 server needs beyond Roost's own, checked when the config is read.

```toml
[profile.soc]
backend = "log360"
console = "https://log360.example.internal"   # or a host: the product's default port is added
product = "log360"                            # or "eventlog" (EventLog Analyzer, port 8400)
token_file = "~/.config/roost/log360.token"
allow_http = false                            # on-premises servers often speak plain http
ca_bundle = "/etc/ssl/private-ca.pem"         # a private CA instead of the system's
timezone = "Europe/London"                    # how the server's zone-less times are read
queue = ["open", "in_progress"]               # which statuses the live queue re-lists
users = { "301" = "alice", "302" = "bob" }    # assignee names when /meta/users is not allowed
me = "301"                                    # your own user id: what t (take) assigns to
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..base import ProfileKey

PRODUCTS = ("log360", "eventlog")
STATUSES = ("open", "in_progress", "closed")


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string in quotes")
    return value.strip()


def _product(value: Any) -> str:
    product = _text(value).lower()
    if product not in PRODUCTS:
        raise ValueError(f"must be one of {', '.join(PRODUCTS)}")
    return product


def _ca_bundle(value: Any) -> str:
    return str(Path(_text(value)).expanduser())


def _timezone(value: Any) -> str:
    name = _text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('names no time zone; use an IANA name such as "Europe/London" or "UTC"') from None
    return name


def _queue(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise ValueError('must be a list of statuses, e.g. ["open", "in_progress"]')
    statuses = tuple(dict.fromkeys(item.strip().lower().replace(" ", "_") for item in value))
    unknown = [status for status in statuses if status not in STATUSES]
    if unknown:
        raise ValueError(f"has unknown status {unknown[0]!r}; choose from {', '.join(STATUSES)}")
    return statuses


def _users(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(name, str) and name.strip() for name in value.values()):
        raise ValueError('must be a table of user ids to names, e.g. { "301" = "alice" }')
    users = {str(user_id).strip(): name.strip() for user_id, name in value.items()}
    if not all(user_id.lstrip("-").isdigit() for user_id in users):
        raise ValueError("must have numeric user ids as its keys (the ids Log360 assigns)")
    return users


def _user_id(value: Any) -> str:
    user_id = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not user_id.isdigit():
        raise ValueError('must be your numeric Log360 user id, e.g. "301"')
    return user_id


PROFILE_KEYS = (
    ProfileKey("product", _product),
    ProfileKey("allow_http", _flag),
    ProfileKey("ca_bundle", _ca_bundle),
    ProfileKey("timezone", _timezone),
    ProfileKey("queue", _queue),
    ProfileKey("users", _users),
    ProfileKey("me", _user_id),
)
