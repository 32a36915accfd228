"""The ``/`` filter: a one-line query parsed once into a fast predicate over incidents.

Terms are separated by spaces and must all match; ``"a b"`` is one term.
Bare text is a case-insensitive substring of what the analyst reads (the
backend's ``searchable_text``: title, addresses, names, every event field);
``name:value`` narrows to one attribute, by the ``FilterField`` the backend
declares under that name; ``!`` before any term negates it.  A term that cannot
be understood is reported in ``errors`` and left out, so the rest of the query
still filters while the analyst fixes it.

Matching runs on every keystroke over the whole store, so each incident's
searchable text is folded once, by the backend's parser (``Document.words``), or
here on first use for an incident built without it (``searchable_text``).
No Textual here.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, islice, repeat
from operator import and_, attrgetter, contains, not_
from typing import Callable, Iterable, Sequence

from .backends.base import Backend, FilterField, FilterValueError
from .model import Incident, fold_words, neutral_text

Test = Callable[[Incident], bool]

# One term: an optional "!", an optional "field:" (letters only, and not followed by
# ":" or "/", so IPv6 addresses like fe80::1 and URLs stay text), then a quoted phrase
# (an unclosed quote runs to the end) or a word.
_TERM = re.compile(
    r'(?P<negated>!?)(?:(?P<field>[A-Za-z]+):(?![:/]))?(?:"(?P<phrase>[^"]*)"?|(?P<word>\S*))'
)
_SPACE = re.compile(r"\s*")
_DESCRIBE_WIDTH = 80
_ECHOED_NAME_WIDTH = 8

# Searchable text by id() of an incident built without Document.words, folded here.  ``_folded`` keeps
# each of those incidents alive, so an id cannot be reused by another object while
# its entry exists; it holds one version per key (a new version replaces the old)
# and at most _FOLDED_LIMIT in all.  Keyed by id because an int is hashed without
# touching the key string: a third faster per lookup at 100,000 incidents.
# Filled from the UI thread and from the ``/`` line's filtering thread (``_folding``).
_FOLDED_LIMIT = 250_000
_folding = threading.Lock()
_folded: dict[str, Incident] = {}
_text_by_id: dict[int, str] = {}


@dataclass(frozen=True, slots=True)
class _Term:
    field: str  # "" for bare text
    value: str  # the field's normal form; case-folded text for bare text
    negated: bool
    test: Test = field(compare=False)
    words: Callable[[str, bool], str] | None = field(default=None, compare=False)

    @property
    def canonical(self) -> str:
        value = f'"{self.value}"' if any(char.isspace() for char in self.value) else self.value
        prefix = f"{self.field}:" if self.field else ""
        return f"{'!' if self.negated else ''}{prefix}{value}"

    def describe(self) -> str:
        if self.words is not None:
            return self.words(self.value, self.negated)
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

    def narrows(self, broader: Filter) -> bool:
        """Whether every incident this filter lets through, ``broader`` lets through too (as when
        a word is typed on: ``roo`` then ``root``), so its view can be cut from ``broader``'s
        instead of from the whole store.  False when that is not certain."""
        if not broader or self.errors or broader.errors:
            return False
        return all(any(_implies(term, wider) for term in self.terms) for wider in broader.terms)

    def describe(self) -> str:
        """One short line for the header, e.g. ``"ssh" · not src 10.0. · unacknowledged``."""
        if not self.terms:
            return "no filter"
        line = " · ".join(term.describe() for term in self.terms)
        return line if len(line) <= _DESCRIBE_WIDTH else line[: _DESCRIBE_WIDTH - 1] + "…"


def parse_filter(text: str, backend: Backend) -> Filter:
    """``text`` as a filter over ``backend``'s incidents, by its declared ``filter_fields``."""
    fields = {declared.name: declared for declared in backend.filter_fields}
    terms: list[_Term] = []
    errors: list[str] = []
    for negated, name, value in _split_terms(text):
        try:
            term = _make_term(fields, backend, name.lower(), value, negated)
        except FilterValueError as error:
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
        matches=Matcher(terms, backend),
    )


class Matcher(partial):
    """A filter's predicate: ``matcher(incident)`` tests one incident; ``gather`` and ``select`` test a
    whole view at once (the store's ``BulkFilter``).  The text bare words search is gathered once per
    view, and each bare term then runs over all of it in one C loop instead of one Python call (and
    three pointer chases) an incident: at 100,000 incidents that loop is what ``/`` costs.  A
    ``partial`` of the one-incident test, so calling it costs no Python frame of its own."""

    def __new__(cls, terms: Sequence[_Term], backend: Backend) -> Matcher:
        matcher = super().__new__(cls, _all_of(list(terms)))
        matcher._needles = tuple((term.value, term.negated) for term in terms if not term.field)
        fields = [term for term in terms if term.field]
        matcher._fields_test = _all_of(fields) if fields else None
        matcher._backend = backend
        return matcher

    def gather(self, incidents: Sequence[Incident]) -> list[str]:
        """Every incident's searchable text, in order: what ``select`` reads (any filter's ``select``
        over the same store)."""
        texts = list(map(_WORDS, incidents))
        if None in texts:  # incidents built without Document.words: folded here once
            backend = self._backend
            texts = [text if text is not None else searchable_text(incident, backend)
                     for text, incident in zip(texts, incidents)]
        return texts

    def select(self, incidents: Sequence[Incident], texts: Sequence[str]) -> Iterable[bool]:
        """Whether each of ``incidents`` matches, ``texts`` being what ``gather`` gave for them."""
        verdicts: Iterable[bool] | None = None
        for needle, negated in self._needles:
            found = map(contains, texts, repeat(needle))
            if negated:
                found = map(not_, found)
            verdicts = found if verdicts is None else map(and_, verdicts, found)
        fields_test = self._fields_test
        if fields_test is None:
            return verdicts if verdicts is not None else repeat(True, len(incidents))
        if verdicts is None:
            return map(fields_test, incidents)
        # Field tests are Python calls: only for the incidents the text let through.
        verdicts = list(verdicts)
        passed = list(compress(range(len(incidents)), verdicts))
        for position, kept in zip(passed, map(fields_test, map(incidents.__getitem__, passed))):
            if not kept:
                verdicts[position] = False
        return verdicts


_WORDS = attrgetter("document.words")


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


def _make_term(fields: dict[str, FilterField], backend: Backend, name: str, value: str, negated: bool) -> _Term | None:
    """The term, or None for one still being typed (``src:``, ``!``, ``""``)."""
    declared = fields.get(name) if name else None
    if name and declared is None:
        # Short enough for the line beside its query at 80 columns: the name is in the query already.
        shown = name if len(name) <= _ECHOED_NAME_WIDTH else name[: _ECHOED_NAME_WIDTH - 1] + "…"
        raise FilterValueError(f"no field '{shown}:' (" + " ".join(f"{known}:" for known in fields) + ")")
    needle = value.strip().casefold()
    if not needle:
        return None
    if declared is None:
        return _Term("", needle, negated, _text_test(needle, backend))
    normal, test = declared.make(needle)
    if negated and declared.opposite is not None:
        # "!ack:yes" is "ack:no": one spelling, one filter_id.
        normal, test = declared.make(declared.opposite(normal))
        negated = False
    return _Term(name, normal, negated, test, declared.describe)


def _implies(term: _Term, wider: _Term) -> bool:
    """Whether ``term`` holding means ``wider`` holds: the same term, or bare text containing the other's."""
    if term == wider:
        return True
    return not (term.field or wider.field or term.negated or wider.negated) and wider.value in term.value


def _negation(test: Test) -> Test:
    return lambda incident: not test(incident)


def _text_test(needle: str, backend: Backend) -> Test:
    cached_text = _text_by_id.get

    def test(incident: Incident) -> bool:
        # searchable_text() inlined: this runs for every incident on every keystroke.
        text = incident.document.words
        if text is None:
            text = cached_text(id(incident)) or _fold_and_remember(incident, backend)
        return needle in text

    return test


# ---------------------------------------------------------------------------
# Searchable text.


def searchable_text(incident: Incident, backend: Backend) -> str:
    """Everything bare text searches, case-folded, fields separated by NUL (so a needle never
    matches across two fields): the neutral fields and what the backend searches beyond them,
    as its parser folded them (``Document.words``), or folded here once for an incident built
    without them."""
    words = incident.document.words
    if words is not None:
        return words
    return _text_by_id.get(id(incident)) or _fold_and_remember(incident, backend)


def _fold_and_remember(incident: Incident, backend: Backend) -> str:
    text = fold_words((*neutral_text(incident), *backend.searchable_text(incident)))
    _remember(incident, text)
    return text


def forget_searchable_text() -> None:
    """Drop every cached text (benchmarks and tests start cold with this)."""
    with _folding:
        _folded.clear()
        _text_by_id.clear()


def _remember(incident: Incident, text: str) -> None:
    with _folding:
        _remember_locked(incident, text)


def _remember_locked(incident: Incident, text: str) -> None:
    previous = _folded.pop(incident.key, None)
    if previous is not None:
        del _text_by_id[id(previous)]
    elif len(_folded) >= _FOLDED_LIMIT:
        # Forget the oldest quarter: cheaper than LRU bookkeeping on every hit.
        for key in list(islice(_folded, _FOLDED_LIMIT // 4)):
            del _text_by_id[id(_folded.pop(key))]
    _folded[incident.key] = incident
    _text_by_id[id(incident)] = text
