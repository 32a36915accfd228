"""ManageEngine EventLog Analyzer / Log360 REST API v2 incident emulator (``roost emulator --backend log360``).

- ``state.Log360State``: users and incidents, no web framework.
- ``generator.Log360Generator``: seeded, realistic incidents of the sample's kinds.
- ``wire``: the JSON shapes (list rows, detail, both error shapes) and reading ``--load`` files.
- ``ratelimit.SlidingWindowLimit``: the 60-requests-a-minute budget, on an injectable clock.
- ``app.create_app``: the ASGI app; its docstring lists every choice made where the documents are silent.
- ``serve``: options from ``roost emulator``'s command line, for the shared ``EmulatorServer``.
"""
