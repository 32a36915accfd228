"""The Canary Console API v1 emulator: its state, wire shapes, generator, paging and times."""
