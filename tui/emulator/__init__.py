"""A faithful Canary Console API v1 emulator (Starlette), for the demo and the tests."""
