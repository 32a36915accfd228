"""Canary's ``/`` filter fields (src, node, flock, type, ack, port, key) and the text bare words search.

Each field's maker takes the case-folded value and gives its normal form (for the
filter's id) and a test of one incident; the tests run on every keystroke over
the whole store, so each reads only what it needs.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Callable

from ...model import Incident
from ..base import FilterField, FilterValueError
from .logtypes import logtype_by_name
from .parse import ACKNOWLEDGED, canary_fields, searchable_parts

Test = Callable[[Incident], bool]

# The start of an IPv4 or IPv6 address ("10.0.", "2001:db8:"), matched as a prefix.
_ADDRESS_PREFIX = re.compile(r"\d{1,3}(?:\.\d{0,3}){1,3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4})+")
_ACK_WORDS = {"yes": True, "true": True, "no": False, "false": False}


def _source(needle: str) -> tuple[str, Test]:
    """A whole address matches itself; an address fragment a prefix; other text a substring
    of the source or its reverse DNS."""
    try:
        address = str(ipaddress.ip_address(needle))
    except ValueError:
        pass
    else:
        return address, lambda incident: incident.source.casefold() == address
    if _ADDRESS_PREFIX.fullmatch(needle):
        return needle, lambda incident: incident.source.casefold().startswith(needle)
    return needle, lambda incident: (
        needle in incident.source.casefold() or needle in canary_fields(incident).src_host_reverse.casefold()
    )


def _node(needle: str) -> tuple[str, Test]:
    def test(incident: Incident) -> bool:
        fields = canary_fields(incident)
        return needle in fields.node_name.casefold() or needle in fields.node_id.casefold()

    return needle, test


def _flock(needle: str) -> tuple[str, Test]:
    def test(incident: Incident) -> bool:
        fields = canary_fields(incident)
        return needle in fields.flock_id.casefold() or needle in fields.flock_name.casefold()

    return needle, test


def _type(needle: str) -> tuple[str, Test]:
    """A logtype number, or text found in the logtype's name or the incident's title."""
    if needle.isdigit():
        logtype = int(needle)
        return str(logtype), lambda incident: canary_fields(incident).logtype == logtype
    logtypes = frozenset(logtype_by_name(needle))
    return needle, lambda incident: canary_fields(incident).logtype in logtypes or needle in incident.title.casefold()


def _port(needle: str) -> tuple[str, Test]:
    if not needle.isdigit() or int(needle) > 65535:
        raise FilterValueError(f"port: takes a port number (0–65535), not '{needle}'")
    port = int(needle)
    return str(port), lambda incident: canary_fields(incident).dst_port == port


def _key(needle: str) -> tuple[str, Test]:
    return needle, lambda incident: needle in incident.key.casefold()


def _ack(needle: str) -> tuple[str, Test]:
    if needle not in _ACK_WORDS:
        raise FilterValueError(f"ack: takes yes or no, not '{needle}'")
    if _ACK_WORDS[needle]:
        return "yes", _acknowledged
    return "no", _unacknowledged


def _acknowledged(incident: Incident) -> bool:
    return incident.status == ACKNOWLEDGED


def _unacknowledged(incident: Incident) -> bool:
    return incident.status != ACKNOWLEDGED


def _ack_opposite(value: str) -> str:
    return "no" if value == "yes" else "yes"


def _ack_words(value: str, negated: bool) -> str:
    return "acknowledged" if value == "yes" else "unacknowledged"


FILTER_FIELDS = (
    FilterField("src", _source),
    FilterField("node", _node),
    FilterField("flock", _flock),
    FilterField("type", _type),
    FilterField("ack", _ack, opposite=_ack_opposite, describe=_ack_words),
    FilterField("port", _port),
    FilterField("key", _key),
)


def searchable_text(incident: Incident) -> list[str]:
    """What bare words search beyond the neutral fields (the parser folds it into ``Document.words``)."""
    return searchable_parts(canary_fields(incident), incident.events)
