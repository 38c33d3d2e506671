"""Security headers on every response, the API's and the pages': no MIME sniffing, no framing, no referrer to other
sites, HSTS when the service is served over https, and a Content-Security-Policy. The pages are written for the
strict policy (scripts and styles only from /static, no inline code, forms post only to verrijk); the interactive
API docs (Swagger UI and ReDoc, served by verrijk) may run their inline start-up code; an image or recording opened
on its own may be styled by the browser's viewer; other answers allow nothing."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = (  # Swagger UI and ReDoc from verrijk itself (fastapi-offline); their start-up code is inline
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
MEDIA_POLICY = (  # an image or recording opened on its own: the browser's viewer styles it inline, nothing else runs
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")  # FastAPI's docs_url, its OAuth2 redirect page and redoc_url
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, https: bool):
        self.app = app
        self.common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
        ] + ([(b"strict-transport-security", HSTS.encode())] if https else [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path", "").startswith(DOCS_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                policy = (
                    DOCS_POLICY
                    if docs
                    else PAGE_POLICY
                    if content_type.startswith(b"text/html")
                    else MEDIA_POLICY
                    if content_type.startswith((b"image/", b"audio/", b"video/"))
                    else OTHER_POLICY
                )
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.common if k not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", policy.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
