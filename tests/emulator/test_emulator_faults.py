"""Fault plans and what each fault looks like to an httpx client (in-process)."""

from __future__ import annotations

import asyncio
import json
import random
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from tui.emulator.canary.app import create_app
from tui.emulator.faults import FAULT_CLASSES, FaultInjector, FaultPlan
from tui.emulator.canary.state import ConsoleState

from .conftest import AUTH, TOKEN, client_for

FEED = "/api/v1/incidents/all"


def faulty_client(console: ConsoleState, spec: str, **options) -> httpx.AsyncClient:
    plan = FaultPlan.parse(spec, seed=1, slow_seconds=(0.01, 0.02), hang_seconds=30, **options)
    return client_for(create_app(console, TOKEN, faults=plan))


# -- plans ------------------------------------------------------------------------


def test_parsing_a_plan():
    plan = FaultPlan.parse("429=0.05, 500=0.02,slow=0.1,drop=0")
    assert plan.rates == {"429": 0.05, "500": 0.02, "slow": 0.1, "drop": 0.0}
    assert FaultPlan.parse("").rates == {}
    spread = FaultPlan.parse("all=0.9")
    assert set(spread.rates) == set(FAULT_CLASSES) and sum(spread.rates.values()) == pytest.approx(0.9)
    assert FaultPlan.parse("all=0.09,429=0.5").rates["429"] == 0.5  # explicit beats its share of all


@pytest.mark.parametrize(("spec", "complaint"), [
    ("teapot=0.1", "unknown fault 'teapot'"),
    ("429", "has no rate"),
    ("429=often", "is not a number"),
    ("429=1.5", "between 0 and 1"),
    ("all=-0.1", "between 0 and 1"),
    ("429=0.6,500=0.6", "add up to 1.2"),
    ("429=0.1,429=0.2", "given twice"),
])
def test_bad_plans_say_what_is_wrong(spec: str, complaint: str):
    with pytest.raises(ValueError, match=complaint):
        FaultPlan.parse(spec)


def test_choices_follow_the_rates_and_the_seed():
    plan = FaultPlan.parse("429=0.25,500=0.25")
    picks = [plan.choose(random.Random(7)) for _ in range(3)]
    assert len(set(picks)) == 1  # the same seed, the same choice
    rng = random.Random(3)
    counts = {name: 0 for name in ("429", "500", None)}
    for _ in range(4000):
        counts[plan.choose(rng)] += 1
    assert all(850 < counts[name] < 1150 for name in ("429", "500")) and 1800 < counts[None] < 2200


# -- faults as a client sees them ---------------------------------------------------


async def test_429_and_503_carry_retry_after(console: ConsoleState):
    for status in (429, 503):
        async with faulty_client(console, f"{status}=1", retry_after=7) as client:
            response = await client.get(FEED, headers=AUTH)
        assert (response.status_code, response.headers["retry-after"]) == (status, "7")
        assert response.json()["result"] == "error"


async def test_500_is_json_and_502_is_a_proxy_page(console: ConsoleState):
    async with faulty_client(console, "500=1") as client:
        response = await client.get(FEED, headers=AUTH)
    assert response.status_code == 500 and response.json()["result"] == "error"
    async with faulty_client(console, "502=1") as client:
        response = await client.get(FEED, headers=AUTH)
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")


async def test_nonjson_is_an_html_page_with_200_or_502(console: ConsoleState):
    async with faulty_client(console, "nonjson=1") as client:
        responses = [await client.get(FEED, headers=AUTH) for _ in range(12)]
    assert {r.status_code for r in responses} == {200, 502}
    for response in responses:
        assert response.headers["content-type"].startswith("text/html")
        with pytest.raises(json.JSONDecodeError):
            response.json()


async def test_truncated_is_the_real_body_cut_short(console: ConsoleState):
    async with client_for(create_app(console, TOKEN)) as client:
        whole = (await client.get(FEED, headers=AUTH)).content
    async with faulty_client(console, "truncated=1") as client:
        response = await client.get(FEED, headers=AUTH)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert 0 < len(response.content) < len(whole) and whole.startswith(response.content)
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_drop_is_a_transport_error(console: ConsoleState):
    async with faulty_client(console, "drop=1") as client:
        with pytest.raises(httpx.TransportError):
            await client.get(FEED, headers=AUTH)


async def test_slow_answers_late_and_keeps_the_request_body(console: ConsoleState):
    key = console.keys("unacknowledged")[0]
    async with faulty_client(console, "slow=1") as client:
        response = await client.post("/api/v1/incident/acknowledge", data={"auth_token": TOKEN, "incident": key})
    assert response.json() == {"action": "acknowledged", "key": key, "result": "success"}


async def test_timeout_hangs_past_the_client(console: ConsoleState):
    async with faulty_client(console, "timeout=1") as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.get(FEED, headers=AUTH), timeout=0.1)


async def test_faults_apply_only_to_their_paths(console: ConsoleState):
    async with faulty_client(console, "500=1", paths=("/api/v1/incidents/",)) as client:
        assert (await client.get("/api/v1/ping", headers=AUTH)).status_code == 200
        assert (await client.get(FEED, headers=AUTH)).status_code == 500


async def test_latency_delays_every_answer(console: ConsoleState):
    async with client_for(create_app(console, TOKEN, latency_ms=60)) as client:
        started = time.perf_counter()
        response = await client.get("/api/v1/ping", headers=AUTH)
    assert response.status_code == 200 and time.perf_counter() - started >= 0.06


async def test_the_same_seed_gives_the_same_faults(console: ConsoleState):
    async def statuses() -> list[int]:
        async with faulty_client(console, "429=0.3,500=0.3") as client:
            return [(await client.get("/api/v1/ping", headers=AUTH)).status_code for _ in range(20)]

    first = await statuses()
    assert first == await statuses() and {200, 429, 500} == set(first)


@pytest.mark.parametrize("seed", range(40))
async def test_a_truncated_answer_is_never_whole_json(seed):
    """Answers end with a newline: a cut that takes only that would leave valid JSON."""

    async def answer(request):
        return Response(b'{\n  "result": "success"\n}\n', media_type="application/json")

    app = FaultInjector(Starlette(routes=[Route("/api/v1/ping", answer)]), FaultPlan({"truncated": 1.0}, seed=seed))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console.test") as client:
        response = await client.get("/api/v1/ping")
    with pytest.raises(ValueError):
        json.loads(response.content)
