"""What a backend reports, collected for a test."""

from __future__ import annotations

from tui.backends.base import Outcome


async def outcomes(act) -> list[Outcome]:
    """Every outcome ``act(report)`` reports, in order."""
    reported: list[Outcome] = []

    async def report(outcome: Outcome) -> None:
        reported.append(outcome)

    await act(report)
    return reported
