"""Keep-alive connections spread over a server's worker processes: now and then an answer closes its connection.

The workers share one listening socket, and whichever is first to accept takes a new connection (and, with uvloop,
every connection waiting then). Clients that open their connections at once, as a search frontend's pool or a load
test does, can land 38 on one worker and 12 on the other, and keep them: one worker then runs out of its processor
while the other waits, and answers queue behind the busy one's interpreter lock. Closing a connection after about
`every` answers (at random, so that connections do not all close together) makes its client connect again, and the
worker that accepts first is the one least busy, so connections drift to where there is time to answer them. A
well-behaved HTTP client reconnects on `Connection: close` without the caller noticing; it costs one loopback or
LAN handshake per `every` requests.
"""

from __future__ import annotations

import random

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = (b"connection", b"close")


class SpreadConnections:
    """Close about one keep-alive connection in `every` answers (0: never)."""

    def __init__(self, app: ASGIApp, every: int):
        self.app, self.chance = app, 1 / every if every > 0 else 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or random.random() >= self.chance:  # noqa: S311 - spreading, not security
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), CLOSE]}
            await send(message)

        await self.app(scope, receive, closing)
