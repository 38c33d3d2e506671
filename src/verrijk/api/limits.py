"""Request body limits: size, checked before a body is read into memory or spooled to disk, and the nesting depth of
a JSON body, checked on the raw bytes before anything parses it."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies over the limit with 413: uploads (multipart) and other bodies have separate limits."""

    def __init__(self, app: ASGIApp, max_upload: int, max_other: int):
        self.app, self.max_upload, self.max_other = app, max_upload, max_other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        limit = self.max_upload if content_type.startswith("multipart/") else self.max_other
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, scope, int(declared), limit)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, scope, seen, limit)

    @staticmethod
    async def _refuse(send: Send, scope: Scope, size: int, limit: int) -> None:
        detail = (
            f"the request body is at least {size / 1e6:.1f} MB; this endpoint accepts at most {limit / 1e6:.1f} MB "
            "(set VERRIJK_MAX_UPLOAD_MB to change the upload limit)"
        )
        await send_problem(send, scope, 413, "Content too large", detail)


BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` anywhere in a JSON text (strings do not count), found in
    one pass over the brackets without parsing: a parser would recurse once per level."""
    depth = 0
    for bracket in JSON_STRING.sub(b"", body).translate(None, NOT_A_BRACKET):
        depth += 1 if bracket in b"[{" else -1
        if depth > limit:
            return True
    return False


class JsonDepthLimit:
    """Refuse a JSON body nested deeper than the limit with 400, before the route parses it (FastAPI's json.loads
    would recurse until Python's stack runs out). The body is read once, within BodySizeLimit's bound, and passed
    on unchanged."""

    def __init__(self, app: ASGIApp, max_depth: int):
        self.app, self.max_depth = app, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODILESS:  # no route reads the body of these
            await self.app(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"").split(b";")[0].strip().lower()
        # FastAPI reads a body without a content type as JSON too
        if content_type not in (b"", b"application/json") and not content_type.endswith(b"+json"):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message)
            more = message.get("more_body", False)
        if json_depth_exceeds(b"".join(m.get("body", b"") for m in chunks), self.max_depth):
            detail = (
                f"the JSON body nests arrays and objects more than {self.max_depth} levels deep "
                "(VERRIJK_MAX_JSON_DEPTH)"
            )
            await send_problem(send, scope, 400, "Bad request", detail)
            return
        await self.app(scope, _replay(chunks, receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replaying() -> Message:
        return pending.pop(0) if pending else await receive()

    return replaying


async def send_problem(send: Send, scope: Scope, status: int, title: str, detail: str) -> None:
    """A problem+json answer sent from middleware, before any route runs."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": scope.get("path", "")}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
