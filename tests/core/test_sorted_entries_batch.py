"""A batch of entries added at once (``SortedEntries.add_all``: a restart adds 100,000 in slices of
thousands) ends exactly as adding them one by one would: the same order, positions and keys, with
blocks still within their bounds (so later reads and adds stay cheap)."""

from __future__ import annotations

import random

import pytest

from tui.store import BLOCK_SIZE, SortedEntries, _keys_of


def entry(rng: random.Random, low: int, high: int) -> tuple[int, str]:
    return (rng.randint(low, high), f"key-{rng.getrandbits(48):012x}")


@pytest.mark.parametrize("seed", range(12))
def test_a_batch_ends_as_adding_one_at_a_time_does(seed):
    rng = random.Random(seed)
    held = sorted({entry(rng, 0, 10**6) for _ in range(rng.choice([0, 5, 1500, 4 * BLOCK_SIZE + 7]))})
    one_by_one, batched = SortedEntries(list(held)), SortedEntries(list(held))
    # Batches as polls and restarts bring them: a few, or thousands side by side, or spread everywhere.
    for low, high, count in [(0, 10**6, 7), (400_000, 401_000, 3000), (0, 10**6, 2500), (2 * 10**6, 3 * 10**6, 40)]:
        arriving = list({entry(rng, low, high) for _ in range(count)} - set(held))
        held = sorted({*held, *arriving})
        for each in arriving:
            one_by_one.add(each)
        batched.add_all(list(arriving))
        assert list(batched) == list(one_by_one) == held
        assert len(batched) == len(held)
        assert _keys_of(batched.blocks_copy(), True) == tuple(key for _, key in reversed(held))
        for position in rng.sample(range(len(held)), min(50, len(held))):
            assert batched.index(held[position]) == position
            stop = min(position + 3, len(held))
            assert batched.slice(position, stop) == held[position:stop]
        blocks = [len(block) for block in batched._blocks]
        assert all(0 < size <= 2 * BLOCK_SIZE for size in blocks), blocks
