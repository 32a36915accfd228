"""The / filter: syntax, what each field matches, normalised ids, errors, the text cache."""

from __future__ import annotations

from dataclasses import replace

import pytest

from canary_builders import canary_incident
from tui import filtering
from tui.backends.canary import CanaryBackend
from tui.backends.canary.parse import CanaryDocument
from tui.filtering import forget_searchable_text, parse_filter, searchable_text
from tui.model import Event, Incident
from tui.store import IncidentStore, ViewSpec

# The filter's fields and text are the backend's: Canary's, without a console behind it.
CANARY = CanaryBackend(client=None)


@pytest.fixture(autouse=True)
def cold_cache():
    forget_searchable_text()
    yield
    forget_searchable_text()


SSH = canary_incident(
    key="incident:ssh:1",
    summary="SSH Login Attempt",
    logtype=4002,
    src_host="10.0.0.5",
    src_host_reverse="Scanner.Example.NET",
    dst_host="10.10.0.10",
    dst_port=22,
    node_id="00000000aaaa0001",
    node_name="fs-nyc-01",
    flock_id="flock:default",
    flock_name="Default Flock",
    events=(Event(None, (("USERNAME", "root"), ("PASSWORD", "Winter2025!"))),),
    updated_id=3,
)
TOKEN = canary_incident(
    key="incident:token:2",
    summary="AWS API Key Token",
    logtype=17012,
    acknowledged=True,
    src_host="52.18.63.80",
    node_id="abcdefghijklmnopqrstuvwxy",
    flock_id="flock:finance",
    flock_name="Finance",
    memo="AWS keys on build-07",
    events=(Event(None, (("useragent", "aws-cli/2.0"),)),),
    updated_id=4,
)
SCAN = canary_incident(
    key="incident:scan:3",
    summary="Host Port Scan",
    logtype=5003,
    src_host="110.0.0.5",
    dst_port=445,
    node_id="00000000bbbb0002",
    node_name="sql-fin-01",
    flock_id="flock:finance",
    flock_name="Finance",
    updated_id=5,
)
ALL = (SSH, TOKEN, SCAN)


def matching(query: str) -> list[str]:
    matches = parse_filter(query, CANARY).matches
    return [incident.key for incident in ALL if matches(incident)]


def keys(*incidents: Incident) -> list[str]:
    return [incident.key for incident in incidents]


# -- bare text ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ssh", [SSH]),  # summary
        ("port scan", [SCAN]),  # two terms, both in the summary
        ("scanner.example", [SSH]),  # reverse DNS, any case
        ("10.10.0", [SSH]),  # destination host
        ("NYC", [SSH]),  # bird name
        ("aaaa0001", [SSH]),  # node id
        ("finance", [TOKEN, SCAN]),  # flock name
        ("build-07", [TOKEN]),  # memo
        ("winter2025!", [SSH]),  # event value
        ("useragent", [TOKEN]),  # event field name
        ("aws-cli", [TOKEN]),
        ("nothing-like-this", []),
    ],
)
def test_bare_text_is_a_substring_of_what_the_analyst_reads(query, expected):
    assert matching(query) == keys(*expected)


def test_text_never_matches_across_two_fields():
    # summary "SSH Login Attempt" is followed by the logtype name; the join must not glue them.
    assert matching('"attempt ssh"') == []


def test_quoted_phrase_is_one_term():
    assert matching('"login attempt"') == keys(SSH)
    assert matching('"attempt login"') == []


def test_unclosed_quote_runs_to_the_end():
    assert matching('"host port') == keys(SCAN)


def test_terms_are_anded():
    assert matching("finance scan") == keys(SCAN)


def test_bang_negates_any_term():
    assert matching("!ssh") == keys(TOKEN, SCAN)
    assert matching("!10.0.0.") == keys(TOKEN)
    assert matching("!type:scan") == keys(SSH, TOKEN)
    assert matching('!"host port"') == keys(SSH, TOKEN)


def test_empty_query_matches_everything_and_has_no_id():
    for query in ("", "   ", "!", "src:", '""'):
        result = parse_filter(query, CANARY)
        assert not result
        assert result.filter_id == ""
        assert result.errors == ()
        assert matching(query) == keys(*ALL)


def test_colons_in_addresses_and_urls_stay_text():
    ipv6 = replace(SCAN, key="v6", source="fe80::1")
    url = canary_incident("url", SCAN.title, events=(Event(None, (("URL", "http://x.test/a"),)),))
    assert parse_filter("fe80::1", CANARY).matches(ipv6)
    assert parse_filter("http://x.test", CANARY).matches(url)
    assert parse_filter("http://x.test", CANARY).errors == ()


# -- fields -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("src:10.0.0.5", [SSH]),  # a whole address is that address, not 10.0.0.50
        ("src:10.0.", [SSH]),  # an address fragment is a prefix
        ("src:0.0.5", []),  # ... so not the middle of 110.0.0.5
        ("src:example.net", [SSH]),  # other text: source or its reverse DNS
        ("src:52.18", [TOKEN]),
        ("node:fs-nyc", [SSH]),
        ("node:bbbb0002", [SCAN]),
        ("node:abcdefghij", [TOKEN]),  # a token's node id
        ("flock:finance", [TOKEN, SCAN]),  # by name
        ("flock:flock:default", [SSH]),  # by id
        ("type:4002", [SSH]),
        ("type:ssh", [SSH]),  # logtype name
        ("type:port scan", [SCAN]),  # two terms: type:port AND bare "scan"
        ('type:"port scan"', [SCAN]),
        ("type:aws api", [TOKEN]),  # "aws" in the name, "api" bare text in the summary
        ("ack:yes", [TOKEN]),
        ("ack:true", [TOKEN]),
        ("ack:no", [SSH, SCAN]),
        ("ack:False", [SSH, SCAN]),
        ("!ack:yes", [SSH, SCAN]),
        ("port:22", [SSH]),
        ("port:445", [SCAN]),
        ("key:token", [TOKEN]),
        ("SRC:10.0.", [SSH]),  # field names are case-insensitive
    ],
)
def test_field_tokens(query, expected):
    assert matching(query) == keys(*expected)


def test_type_matches_the_summary_when_no_logtype_name_does():
    custom = replace(SCAN, key="custom", title="Weird Custom Alert", extras=replace(SCAN.extras, logtype=99999))
    assert parse_filter("type:weird", CANARY).matches(custom)
    assert not parse_filter("type:99998", CANARY).matches(custom)
    assert parse_filter("type:99999", CANARY).matches(custom)


def test_src_ipv6_address_and_prefix():
    ipv6 = replace(SCAN, key="v6", source="2001:db8::1")
    assert parse_filter("src:2001:db8::1", CANARY).matches(ipv6)
    assert parse_filter("src:2001:0db8:0000::1", CANARY).matches(ipv6)  # same address, spelled out
    assert parse_filter("src:2001:db8:", CANARY).matches(ipv6)
    assert not parse_filter("src:2001:db9:", CANARY).matches(ipv6)


# -- errors -------------------------------------------------------------------


def test_unknown_field_is_reported_and_the_rest_still_filters():
    result = parse_filter("foo:bar ssh", CANARY)
    assert result.errors == ("no field 'foo:' (src: node: flock: type: ack: port: key:)",)
    assert matching("foo:bar ssh") == keys(SSH)
    assert result.filter_id == "ssh"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("ack:maybe", "ack: takes yes or no, not 'maybe'"),
        ("port:ssh", "port: takes a port number (0–65535), not 'ssh'"),
        ("port:70000", "port: takes a port number (0–65535), not '70000'"),
    ],
)
def test_bad_values_are_reported(query, message):
    result = parse_filter(f"{query} finance", CANARY)
    assert result.errors == (message,)
    assert matching(f"{query} finance") == keys(TOKEN, SCAN)


# -- filter_id and describe ---------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ssh port:22", "port:22   SSH"),
        ("ssh ssh", "ssh"),
        ("ack:yes", "!ack:no"),
        ("ack:true", "ack:YES"),
        ('"login attempt"', '"Login Attempt"'),
        ('"ssh"', "ssh"),
        ("Type:SSH", "type:ssh"),
        ("port:022", "port:22"),
        ("src:2001:0db8::1", "src:2001:db8::1"),
        ("ssh bogus:1", "ssh"),
    ],
)
def test_equivalent_queries_share_a_filter_id(first, second):
    assert parse_filter(first, CANARY).filter_id == parse_filter(second, CANARY).filter_id != ""


@pytest.mark.parametrize(("first", "second"), [("ssh", "!ssh"), ("ack:yes", "ack:no"), ("src:10.0.", "10.0.")])
def test_different_queries_have_different_ids(first, second):
    assert parse_filter(first, CANARY).filter_id != parse_filter(second, CANARY).filter_id


def test_filter_id_quotes_phrases():
    assert parse_filter('!"login attempt" port:22', CANARY).filter_id == '!"login attempt" port:22'


def test_describe_is_one_short_line():
    assert parse_filter("", CANARY).describe() == "no filter"
    assert parse_filter('ssh !src:10.0. ack:no "a b"', CANARY).describe() == '"ssh" · not src 10.0. · unacknowledged · "a b"'
    long = parse_filter(" ".join(f"word{n}" for n in range(40)), CANARY).describe()
    assert len(long) == 80 and long.endswith("…") and "\n" not in long


# -- the searchable-text cache ------------------------------------------------


def test_a_new_version_of_an_incident_is_searched_afresh():
    assert parse_filter("root", CANARY).matches(SSH)
    changed = replace(SSH, document=CanaryDocument.pack({}, events=(Event(None, (("USERNAME", "admin"),)),)),
                      version=SSH.version + 1)
    assert not parse_filter("root", CANARY).matches(changed)
    assert parse_filter("admin", CANARY).matches(changed)
    # Even a look-alike with the same key and updated_id is its own object.
    lookalike = replace(SSH, extras=replace(SSH.extras, memo="quarantined"))
    assert parse_filter("quarantined", CANARY).matches(lookalike)


def test_one_cached_text_per_key():
    for n in range(5):
        searchable_text(replace(SSH, version=n), CANARY)
    assert len(filtering._folded) == len(filtering._text_by_id) == 1


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(filtering, "_FOLDED_LIMIT", 8)
    incidents = [replace(SCAN, key=f"k{n}", extras=replace(SCAN.extras, memo=f"memo {n}")) for n in range(20)]
    for incident in incidents:
        searchable_text(incident, CANARY)
    assert len(filtering._folded) <= 8
    assert set(filtering._text_by_id) == {id(incident) for incident in filtering._folded.values()}
    assert all(parse_filter(f'"memo {n}"', CANARY).matches(incidents[n]) for n in range(20))


# -- with the store -----------------------------------------------------------


def test_a_filter_drives_a_store_view_and_keeps_applying_to_new_incidents():
    store = IncidentStore()
    store.apply(ALL)
    query = parse_filter("finance", CANARY)
    spec = ViewSpec(feed="all", filter=query.matches, filter_id=query.filter_id)
    assert set(store.view(spec).keys()) == {TOKEN.key, SCAN.key}
    newcomer = replace(SCAN, key="incident:scan:4", version=9)
    store.apply([newcomer])
    assert set(store.view(spec).keys()) == {TOKEN.key, SCAN.key, newcomer.key}


@pytest.mark.parametrize(("narrow", "broad", "narrows"), [
    ("root", "roo", True),
    ("roo", "root", False),
    ("root port:22", "root", True),
    ("root", "root port:22", False),
    ("xroot", "roo", True),  # "xroot" contains "roo"
    ("port:22", "port:2", False),  # a field's value: only the same term
    ("!root", "!roo", False),  # negated: only the same term
    ("root !admin", "root !admin", True),
    ("anything", "", False),  # nothing to narrow
    ("src:", "roo", False),
])
def test_a_query_typed_on_narrows_the_last_one(narrow, broad, narrows):
    assert parse_filter(narrow, CANARY).narrows(parse_filter(broad, CANARY)) is narrows


def test_a_narrowed_view_is_cut_from_the_broader_one_and_shows_the_same():
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    store.apply(ALL)
    broad, narrow = parse_filter("ss", CANARY), parse_filter("ssh", CANARY)
    broad_view = store.view(ViewSpec(feed="all", filter=broad.matches, filter_id=broad.filter_id))
    asked: list[str] = []

    def counting(incident):
        asked.append(incident.key)
        return narrow.matches(incident)

    within = store.view(ViewSpec(feed="all", filter=counting, filter_id=narrow.filter_id, within=broad.filter_id))
    everything = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    everything.apply(ALL)
    assert within.keys() == everything.view(ViewSpec(feed="all", filter=narrow.matches, filter_id=narrow.filter_id)).keys()
    assert within.keys() and len(asked) == len(broad_view) < len(ALL)  # only the broader view's incidents were asked
