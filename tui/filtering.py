"""The ``/`` filter: a one-line query parsed once into a fast predicate over incidents.

Terms are separated by spaces and must all match; ``"a b"`` is one term.
Bare text is a case-insensitive substring of what the analyst reads (type, IPs,
reverse DNS, bird name, memo, every event field); ``field:value`` narrows to one
attribute; ``!`` before any term negates it.  A term that cannot be understood is
reported in ``errors`` and left out, so the rest of the query still filters while
the analyst fixes it.

Matching runs on every keystroke over the whole store, so each incident's
searchable text is folded once and cached (see ``searchable_text``).
No Textual here.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable

from .backends.canary.logtypes import logtype_by_name
from .model import Incident

Test = Callable[[Incident], bool]

FIELDS = ("src", "node", "flock", "type", "ack", "port", "key")
_UNKNOWN_FIELD_HINT = "use " + ", ".join(f"{name}:" for name in FIELDS)

# One term: an optional "!", an optional "field:" (letters only, and not followed by
# ":" or "/", so IPv6 addresses like fe80::1 and URLs stay text), then a quoted phrase
# (an unclosed quote runs to the end) or a word.
_TERM = re.compile(
    r'(?P<negated>!?)(?:(?P<field>[A-Za-z]+):(?![:/]))?(?:"(?P<phrase>[^"]*)"?|(?P<word>\S*))'
)
_SPACE = re.compile(r"\s*")
# The start of an IPv4 or IPv6 address ("10.0.", "2001:db8:"), matched as a prefix.
_ADDRESS_PREFIX = re.compile(r"\d{1,3}(?:\.\d{0,3}){1,3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4})+")
_ACK_WORDS = {"yes": True, "true": True, "no": False, "false": False}
_DESCRIBE_WIDTH = 80

# Searchable text by id() of the incident it was folded from.  ``_folded`` keeps
# each of those incidents alive, so an id cannot be reused by another object while
# its entry exists; it holds one version per key (a new version replaces the old)
# and at most _FOLDED_LIMIT in all.  Keyed by id because an int is hashed without
# touching the key string: a third faster per lookup at 100,000 incidents.
# Used from the UI thread only.
_FOLDED_LIMIT = 250_000
_folded: dict[str, Incident] = {}
_text_by_id: dict[int, str] = {}


class _BadTerm(ValueError):
    """A term that cannot filter anything; its message is shown to the analyst."""


@dataclass(frozen=True, slots=True)
class _Term:
    field: str  # "" for bare text
    value: str  # normalised: case-folded, ack as yes/no, port as digits
    negated: bool
    test: Test = field(compare=False)

    @property
    def canonical(self) -> str:
        value = f'"{self.value}"' if any(char.isspace() for char in self.value) else self.value
        prefix = f"{self.field}:" if self.field else ""
        return f"{'!' if self.negated else ''}{prefix}{value}"

    def describe(self) -> str:
        if self.field == "ack":
            return "acknowledged" if self.value == "yes" else "unacknowledged"
        what = f'"{self.value}"' if not self.field else f"{self.field} {self.value}"
        return f"not {what}" if self.negated else what


@dataclass(frozen=True)
class Filter:
    """A parsed query.  ``matches(incident)`` is the predicate for ``ViewSpec.filter``.

    ``filter_id`` is the same for equivalent queries (term order, case, repeats,
    ``ack:yes`` vs ``!ack:no``) and "" when nothing filters; ``errors`` lists the
    terms that were left out and why.
    """

    terms: tuple[_Term, ...] = ()
    errors: tuple[str, ...] = ()
    filter_id: str = ""
    matches: Test = field(default=lambda incident: True, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def describe(self) -> str:
        """One short line for the header, e.g. ``"ssh" · not src 10.0. · unacknowledged``."""
        if not self.terms:
            return "no filter"
        line = " · ".join(term.describe() for term in self.terms)
        return line if len(line) <= _DESCRIBE_WIDTH else line[: _DESCRIBE_WIDTH - 1] + "…"


def parse_filter(text: str) -> Filter:
    terms: list[_Term] = []
    errors: list[str] = []
    for negated, name, value in _split_terms(text):
        try:
            term = _make_term(name.lower(), value, negated)
        except _BadTerm as error:
            errors.append(str(error))
            continue
        if term is not None and term not in terms:
            terms.append(term)
    if not terms:
        return Filter(errors=tuple(errors))
    return Filter(
        terms=tuple(terms),
        errors=tuple(errors),
        filter_id=" ".join(sorted(term.canonical for term in terms)),
        matches=_all_of(terms),
    )


def _all_of(terms: list[_Term]) -> Test:
    # Field tests first: they read the incident itself, cheaper than its searchable text.
    tests = tuple(_negation(term.test) if term.negated else term.test for term in sorted(terms, key=_is_text))
    if len(tests) == 1:
        return tests[0]

    def matches(incident: Incident) -> bool:
        for test in tests:
            if not test(incident):
                return False
        return True

    return matches


def _is_text(term: _Term) -> bool:
    return not term.field


def _split_terms(text: str) -> list[tuple[bool, str, str]]:
    """(negated, field or "", value) for each term; an incomplete ``src:`` or ``!`` has an empty value."""
    terms = []
    position = _SPACE.match(text).end()
    while position < len(text):
        match = _TERM.match(text, position)
        value = match["phrase"] if match["phrase"] is not None else match["word"]
        terms.append((bool(match["negated"]), match["field"] or "", value))
        position = _SPACE.match(text, match.end()).end()
    return terms


def _make_term(name: str, value: str, negated: bool) -> _Term | None:
    """The term, or None for one still being typed (``src:``, ``!``, ``""``)."""
    if name and name not in FIELDS:
        raise _BadTerm(f"unknown field '{name}:' — {_UNKNOWN_FIELD_HINT}")
    needle = value.strip().casefold()
    if not needle:
        return None
    if name == "ack":
        # "!ack:yes" is "ack:no": one spelling, one filter_id.
        wanted = _ack_value(needle) != negated
        return _Term("ack", "yes" if wanted else "no", False, _acknowledged if wanted else _unacknowledged)
    make_test = _FIELD_TESTS[name] if name else _text_test
    normalised, test = make_test(needle)
    return _Term(name, normalised, negated, test)


def _negation(test: Test) -> Test:
    return lambda incident: not test(incident)


# ---------------------------------------------------------------------------
# Tests, one maker per field: (case-folded value) -> (normalised value, test).


def _text_test(needle: str) -> tuple[str, Test]:
    cached_text = _text_by_id.get

    def test(incident: Incident) -> bool:
        # searchable_text() inlined: this runs for every incident on every keystroke.
        text = cached_text(id(incident))
        if text is None:
            text = searchable_text(incident)
        return needle in text

    return needle, test


def _source_test(needle: str) -> tuple[str, Test]:
    """A whole address matches itself; an address fragment a prefix; other text a substring
    of the source or its reverse DNS."""
    try:
        address = str(ipaddress.ip_address(needle))
    except ValueError:
        pass
    else:
        return address, lambda incident: incident.src_host.casefold() == address
    if _ADDRESS_PREFIX.fullmatch(needle):
        return needle, lambda incident: incident.src_host.casefold().startswith(needle)
    return needle, lambda incident: needle in incident.src_host.casefold() or needle in incident.src_host_reverse.casefold()


def _node_test(needle: str) -> tuple[str, Test]:
    return needle, lambda incident: needle in incident.node_name.casefold() or needle in incident.node_id.casefold()


def _flock_test(needle: str) -> tuple[str, Test]:
    return needle, lambda incident: needle in incident.flock_id.casefold() or needle in incident.flock_name.casefold()


def _type_test(needle: str) -> tuple[str, Test]:
    """A logtype number, or text found in the logtype's name or the incident's summary."""
    if needle.isdigit():
        logtype = int(needle)
        return str(logtype), lambda incident: incident.logtype == logtype
    logtypes = frozenset(logtype_by_name(needle))
    return needle, lambda incident: incident.logtype in logtypes or needle in incident.summary.casefold()


def _port_test(needle: str) -> tuple[str, Test]:
    if not needle.isdigit() or int(needle) > 65535:
        raise _BadTerm(f"port: takes a port number (0–65535), not '{needle}'")
    port = int(needle)
    return str(port), lambda incident: incident.dst_port == port


def _key_test(needle: str) -> tuple[str, Test]:
    return needle, lambda incident: needle in incident.key.casefold()


def _ack_value(needle: str) -> bool:
    if needle not in _ACK_WORDS:
        raise _BadTerm(f"ack: takes yes or no, not '{needle}'")
    return _ACK_WORDS[needle]


def _acknowledged(incident: Incident) -> bool:
    return incident.acknowledged


def _unacknowledged(incident: Incident) -> bool:
    return not incident.acknowledged


_FIELD_TESTS: dict[str, Callable[[str], tuple[str, Test]]] = {
    "src": _source_test,
    "node": _node_test,
    "flock": _flock_test,
    "type": _type_test,
    "port": _port_test,
    "key": _key_test,
}


# ---------------------------------------------------------------------------
# Searchable text.


def searchable_text(incident: Incident) -> str:
    """Everything bare text searches, case-folded, fields separated by NUL (so a
    needle never matches across two fields); folded once per incident object."""
    text = _text_by_id.get(id(incident))
    if text is None:
        text = _fold(incident)
        _remember(incident, text)
    return text


def forget_searchable_text() -> None:
    """Drop every cached text (benchmarks and tests start cold with this)."""
    _folded.clear()
    _text_by_id.clear()


def _remember(incident: Incident, text: str) -> None:
    previous = _folded.pop(incident.key, None)
    if previous is not None:
        del _text_by_id[id(previous)]
    elif len(_folded) >= _FOLDED_LIMIT:
        # Forget the oldest quarter: cheaper than LRU bookkeeping on every hit.
        for key in list(islice(_folded, _FOLDED_LIMIT // 4)):
            del _text_by_id[id(_folded.pop(key))]
    _folded[incident.key] = incident
    _text_by_id[id(incident)] = text


def _fold(incident: Incident) -> str:
    parts = [
        incident.summary,
        incident.logtype_name,
        incident.src_host,
        incident.src_host_reverse,
        incident.dst_host,
        incident.node_name,
        incident.node_id,
        incident.flock_name,
        incident.memo,
    ]
    for event in incident.events:
        for name, value in event.fields:
            parts.append(name)
            parts.append(value)
    return "\0".join(parts).casefold()
