"""Widgets of the TUI: the incident table, the detail pane and the status lines."""
