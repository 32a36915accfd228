"""Console emulators (Starlette), for the demo and the tests.

Shared by every console: ``server.EmulatorServer`` / ``EmulatorOptions`` (uvicorn on a
loopback port in a thread; ``add_emulator_arguments`` and ``run_emulator`` are
``roost emulator``), ``faults.FaultPlan`` (injected failures for client tests) and
``responses.ConsoleJSON`` (indented JSON with a final newline).

``canary/`` is the Canary Console API v1:

- ``state.ConsoleState``: incidents, birds, tokens and flocks, with no web framework.
- ``generator.populate`` / ``IncidentGenerator``: seeded, realistic incidents.
- ``wire``: the JSON shapes the console answers with, built from the state.
- ``app.create_app``: the ASGI app (in-process with ``httpx.ASGITransport``, or under uvicorn);
  its docstring lists the choices made where the spec is silent.

``log360/`` is ManageEngine EventLog Analyzer / Log360's v2 incident API (``roost emulator
--backend log360``): incidents and users, both error shapes, scopes per token, the
60-requests-a-minute budget; its ``app`` docstring lists the choices made where the
documents are silent.
"""
