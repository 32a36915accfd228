"""Tests of the Canary console emulator (tui/emulator)."""
