"""The Log360 request budget on a fake clock: never more than 60 requests in any 60 s,
actions before refreshes, backing off when the server says so, and a status line."""

from __future__ import annotations

import asyncio
import random

import pytest

from log360_fakes import FakeTime
from tui.backends.log360.pacer import BACKGROUND, INTERACTIVE, Pacer


def pacer_on(fake: FakeTime, **options) -> Pacer:
    return Pacer(clock=fake.clock, sleep=fake.sleep, **options)


def max_in_any_window(times: list[float], window: float) -> int:
    """The most sends in any half-open ``window``-second span."""
    ordered = sorted(times)
    most = 0
    start = 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def send(pacer: Pacer, fake: FakeTime, priority: str, log: list[tuple[float, str, int]], number: int) -> None:
    await pacer.acquire(priority)
    log.append((fake.now, priority, number))


async def test_a_burst_of_mixed_priorities_never_exceeds_60_in_any_60_seconds():
    fake = FakeTime()
    pacer = pacer_on(fake)
    log: list[tuple[float, str, int]] = []
    rng = random.Random(7)
    tasks = []

    async def arrive(delay: float, priority: str, number: int) -> None:
        await fake.sleep(delay)
        await send(pacer, fake, priority, log, number)

    for number in range(400):
        priority = INTERACTIVE if rng.random() < 0.2 else BACKGROUND
        delay = 0.0 if number < 150 else rng.uniform(0, 400)
        tasks.append(asyncio.create_task(arrive(delay, priority, number)))
    await fake.run(tasks)
    assert len(log) == 400
    times = [moment for moment, _, _ in log]
    assert max_in_any_window(times, 60.0) <= 60
    # The one-second margin makes it stricter still: 60 in any 61 s.
    assert max_in_any_window(times, 61.0) <= 60
    background = [moment for moment, priority, _ in log if priority == BACKGROUND]
    assert max_in_any_window(background, 61.0) <= 50  # ten of every window are kept for actions
    assert pacer.sent[INTERACTIVE] + pacer.sent[BACKGROUND] == 400


async def test_the_whole_budget_is_used_and_no_more():
    fake = FakeTime()
    pacer = pacer_on(fake, margin=0.0, reserved=0)
    log: list[tuple[float, str, int]] = []
    tasks = [asyncio.create_task(send(pacer, fake, BACKGROUND, log, n)) for n in range(180)]
    await fake.run(tasks)
    times = [moment for moment, _, _ in log]
    assert times[:60] == [0.0] * 60
    assert times[60:120] == [60.0] * 60
    assert times[120:] == [120.0] * 60
    assert max_in_any_window(times, 60.0) == 60


async def test_actions_overtake_queued_refreshes():
    fake = FakeTime()
    pacer = pacer_on(fake, margin=0.0, reserved=0)
    log: list[tuple[float, str, int]] = []
    refreshes = [asyncio.create_task(send(pacer, fake, BACKGROUND, log, n)) for n in range(100)]
    await fake.advance_to(5.0)
    assert len(log) == 60  # the window is full; 40 refreshes wait
    actions = [asyncio.create_task(send(pacer, fake, INTERACTIVE, log, 1000 + n)) for n in range(3)]
    await fake.run(refreshes + actions)
    after_full = log[60:]
    assert [priority for _, priority, _ in after_full[:3]] == [INTERACTIVE] * 3
    assert {moment for moment, _, _ in after_full[:3]} == {60.0}
    # Refreshes keep their own order.
    assert [number for _, priority, number in log if priority == BACKGROUND] == list(range(100))


async def test_reserved_slots_let_an_action_through_at_once_while_refreshes_wait():
    fake = FakeTime()
    pacer = pacer_on(fake)  # 60 a minute, 10 of them kept for actions
    log: list[tuple[float, str, int]] = []
    refreshes = [asyncio.create_task(send(pacer, fake, BACKGROUND, log, n)) for n in range(80)]
    await fake.advance_to(10.0)
    assert len(log) == 50
    action = asyncio.create_task(send(pacer, fake, INTERACTIVE, log, 999))
    await fake.settle()
    assert action.done() and log[-1] == (10.0, INTERACTIVE, 999)
    for task in refreshes:
        task.cancel()
    await asyncio.gather(*refreshes, return_exceptions=True)


async def test_a_server_refusal_holds_everything_for_retry_after():
    fake = FakeTime()
    pacer = pacer_on(fake)
    await pacer.acquire(INTERACTIVE)
    assert pacer.back_off(30.0) == 30.0
    state = pacer.state()
    assert state.backoff == 30.0 and not state.holding  # nothing waits yet
    log: list[tuple[float, str, int]] = []
    tasks = [asyncio.create_task(send(pacer, fake, INTERACTIVE, log, 1))]
    await fake.settle()
    state = pacer.state()
    assert state.holding and state.reason == "rate-limited" and state.wait == 30.0
    assert state.describe() == "holding back 30 s: the server asked Roost to slow down (1 waiting)"
    await fake.run(tasks)
    assert log == [(30.0, INTERACTIVE, 1)]


async def test_refusals_without_retry_after_double_until_a_success():
    fake = FakeTime()
    pacer = pacer_on(fake, first_backoff=5.0, max_backoff=40.0)
    assert [pacer.back_off() for _ in range(5)] == [5.0, 10.0, 20.0, 40.0, 40.0]
    pacer.succeeded()
    assert pacer.back_off() == 5.0
    assert pacer.back_off(1000.0) == 40.0  # a Retry-After is believed up to the cap


async def test_state_says_when_and_why_it_holds_back():
    fake = FakeTime()
    pacer = pacer_on(fake, margin=0.0, reserved=0)
    assert pacer.state().describe() == ""
    assert pacer.available(BACKGROUND) == 60
    log: list[tuple[float, str, int]] = []
    tasks = [asyncio.create_task(send(pacer, fake, BACKGROUND, log, n)) for n in range(62)]
    await fake.advance_to(20.0)
    state = pacer.state()
    assert state.holding and state.reason == "budget" and state.wait == 40.0
    assert (state.waiting_background, state.waiting_interactive, state.used) == (2, 0, 60)
    assert state.describe() == "holding back 40 s: 60 requests a minute (2 waiting)"
    assert pacer.available(BACKGROUND) == 0
    await fake.run(tasks)
    assert not pacer.state().holding


async def test_a_cancelled_waiter_uses_no_slot_and_lets_the_next_go():
    fake = FakeTime()
    pacer = pacer_on(fake, limit=2, margin=0.0, reserved=0, window=10.0)
    log: list[tuple[float, str, int]] = []
    first = [asyncio.create_task(send(pacer, fake, BACKGROUND, log, n)) for n in range(2)]
    await fake.settle()
    waiting = asyncio.create_task(send(pacer, fake, INTERACTIVE, log, 7))
    behind = asyncio.create_task(send(pacer, fake, BACKGROUND, log, 8))
    await fake.settle()
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await fake.run(first + [behind])
    assert log[-1] == (10.0, BACKGROUND, 8)
    assert pacer.state().waiting_interactive == 0
    assert pacer.sent == {INTERACTIVE: 0, BACKGROUND: 3}


async def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        Pacer(limit=0)
    with pytest.raises(ValueError):
        Pacer(reserved=60)
    with pytest.raises(ValueError):
        await Pacer().acquire("urgent")  # type: ignore[arg-type]
