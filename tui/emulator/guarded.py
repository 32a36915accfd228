"""The ASGI app every emulated console is: faults outside, no exception left for uvicorn's plain-text 500."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_log = logging.getLogger("tui.emulator")


class GuardedConsoleApp(Starlette):
    """Starlette with the fault layer (``state.fault_injector``) outside all of Starlette's own layers,
    where a fault sees the server's own ``send`` (it needs it to drop a connection), and a catch-all
    inside them: a bug is logged and the client gets the console's own error shape."""

    #: Named in the log line, to tell the consoles apart.
    console_name = "console"

    def internal_error(self) -> ASGIApp:
        """The console's answer to a bug of ours (its error shape, status 500)."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.state.fault_injector or self.guarded)(scope, receive, send)

    async def guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await super().__call__(scope, receive, send_noting_start)
        except ClientDisconnect:
            return
        except Exception:
            if scope["type"] != "http":
                raise
            _log.exception("roost emulator (%s): internal error answering %s %s", self.console_name,
                           scope.get("method"), scope.get("path"))
            if not started:  # once an answer has begun, there is nothing left to say
                await self.internal_error()(scope, receive, send)
