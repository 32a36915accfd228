"""A faithful Canary Console API v1 emulator (Starlette), for the demo and the tests.

- ``state.ConsoleState``: incidents, birds, tokens and flocks, with no web framework.
- ``generator.populate`` / ``IncidentGenerator``: seeded, realistic incidents.
- ``app.create_app``: the ASGI app (in-process with ``httpx.ASGITransport``, or under uvicorn);
  its docstring lists the choices made where the spec is silent.
- ``responses.ConsoleJSON``: the bytes of every answer (indented JSON and a final newline).
- ``faults.FaultPlan``: injected failures for client tests.
- ``server.EmulatorServer`` / ``EmulatorOptions``: uvicorn on a loopback port in a thread;
  ``add_emulator_arguments`` and ``run_emulator`` are ``roost emulator``.
"""
