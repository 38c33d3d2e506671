"""Logging for every entry point: one line per record (JSON or key=value), a request id per API call, no secrets.

`configure` sends records to stderr in the format VERRIJK_LOG_FORMAT names, at VERRIJK_LOG_LEVEL for verrijk's
own loggers (other libraries: warnings and worse); calling it again replaces the handler, never adds one.
`install` does that for the API and adds `RequestLog`, which gives each request an id (the caller's valid
X-Request-ID, or a new one), returns it in X-Request-ID, and logs one access line per request. Every record
logged while a request runs carries its request id, and its organisation id once `bind_organisation` knows it.
Before a record is written, API keys, X-API-Key values, passwords, session cookies and passwords in URLs are
masked in its message, its extra fields and its traceback.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from verrijk.config import Settings

MASK = "***"
OWN_LOGGERS = ("verrijk", "uvicorn")  # at the configured level; all others at WARNING or above
# uvicorn.run(..., **UVICORN): its records go through `configure`'s handler, and RequestLog writes the access lines
UVICORN = {"log_config": None, "access_log": False}
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")  # what is taken from a caller; anything else is replaced

# Names whose values are secret, as the last part of a name: password, db_password, x-api-key, verrijk_session ...
_SECRET_NAME = (
    r"(?:[\w-]*[_-])?(?:password|passwd|pwd|secret|secret[_-]?key|token|api[_-]?key|authorization|cookie|session)"
)
_SECRET_FIELD = re.compile(_SECRET_NAME, re.IGNORECASE)
_PATTERNS = (
    # scheme://user:PASSWORD@host
    (re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+(?=@)", re.IGNORECASE), rf"\g<keep>{MASK}"),
    # a whole Cookie or Set-Cookie header value: "a=1; b=2"
    (
        re.compile(
            r"(?P<keep>\b(?:set-)?cookie[\"']?\s*[:=]\s*(?-i:b)?[\"']?)[^\s\"';]+(?:;\s*[^\s\"';]+)*;?", re.IGNORECASE
        ),
        rf"\g<keep>{MASK}",
    ),
    # name=value, name: value, "name": "value" (to its closing quote), (b'name', b'value') for a secret name
    (
        re.compile(
            rf"(?P<keep>\b{_SECRET_NAME}(?:[\"']?\s*[:=]|[\"']\s*,)\s*(?-i:b)?(?P<quote>[\"'])?)"
            r"(?:(?:bearer|basic)\s+)?(?(quote)[^\"'\r\n]+|[^\s\"',;&)}\]]+)",
            re.IGNORECASE,
        ),
        rf"\g<keep>{MASK}",
    ),
    # an API key wherever it stands (store/accounts.py: "vk_" + token_urlsafe(32))
    (re.compile(r"(?<![\w-])vk_[\w-]{16,}"), f"vk_{MASK}"),
)
# Text that none of _PATTERNS can match lacks all of these: most log text (paths, ids, messages) is let through
# after one search instead of four substitutions.
_MAYBE_SECRET = re.compile(r"://|cookie|pass|pwd|secret|token|api|auth|session|vk_", re.IGNORECASE)
_NEEDS_QUOTES = re.compile(r"[\s=\"]")
# besides the record's own attributes: uvicorn's color_message, the message again with terminal colour codes
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}

access_log = logging.getLogger("verrijk.access")


def log_duration(logger: logging.Logger, started: float, message: str, *args: Any, **fields: Any) -> None:
    """Log at INFO that something took the time since `started` (a time.perf_counter()): the message gets
    " in 1.23 s" and the record a `seconds` field."""
    seconds = round(time.perf_counter() - started, 2)
    logger.info(f"{message} in %.2f s", *args, seconds, extra=fields | {"seconds": seconds})


def redact(text: str) -> str:
    """The text with every secret it holds replaced by ***."""
    if not _MAYBE_SECRET.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(name: str, value: Any) -> Any:
    if _SECRET_FIELD.fullmatch(name):
        return MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_redact_value("", v) for v in value]
    return value


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """A record's extra fields: what `extra=` and the request context added to it."""
    return {key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}


@dataclass
class RequestContext:
    id: str
    organisation_id: int | None = None


_request: ContextVar[RequestContext | None] = ContextVar("verrijk_request", default=None)


def bind_organisation(organisation_id: int) -> None:
    """Say whose request this is: its access line and every record logged while it runs carry the id."""
    context = _request.get()
    if context is not None:
        context.organisation_id = organisation_id


class RequestContextFilter(logging.Filter):
    """Adds the running request's id (and organisation id, once known) unless the record names its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _request.get()
        if context is not None:
            if not hasattr(record, "request_id"):
                record.request_id = context.id
            if context.organisation_id is not None and not hasattr(record, "organisation_id"):
                record.organisation_id = context.organisation_id
        return True


class RedactSecrets(logging.Filter):
    """Masks secrets in the message, the extra fields and the traceback before any formatter sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: keep both, readable
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        for key, value in _fields(record).items():
            setattr(record, key, _redact_value(key, value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the extra fields, the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _time(record), "level": record.levelname, "logger": record.name}
        entry |= {"message": record.getMessage()} | _fields(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def _text_value(value: Any) -> str:
    """A string as it is, quoted when it holds spaces, = or quotes; anything else as compact JSON."""
    if type(value) is int or type(value) is float and math.isfinite(value):  # as JSON writes them, faster
        return repr(value)
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return json.dumps(value, ensure_ascii=False) if not value or _NEEDS_QUOTES.search(value) else value


class TextFormatter(logging.Formatter):
    """A readable line: time, level, logger and message, then the extra fields as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_time(record)} {record.levelname:<7} {record.name}: {record.getMessage()}"
        for key, value in _fields(record).items():
            line += f" {key}={_text_value(value)}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for extra in (record.exc_text, record.stack_info):
            if extra:
                line += "\n" + extra
        return line


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (a redirected or captured stream included)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr


def configure(settings: Settings | None = None, default_level: str = "INFO") -> None:
    """Log to stderr as the settings say; `default_level` applies when VERRIJK_LOG_LEVEL is not set (the server
    logs INFO, the CLI WARNING). Idempotent: a second call replaces the handler the first one added."""
    settings = settings or Settings()
    level = logging.getLevelNamesMapping()[(settings.log_level or default_level).upper()]
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(max(level, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)


class RequestLog:
    """Pure ASGI middleware: a request id per request (X-Request-ID both ways), one access line per request,
    and an unhandled exception logged with its traceback and request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        context = RequestContext(incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex)
        token = _request.set(context)
        started = time.perf_counter()
        status, logged = 500, False

        def log_access() -> None:
            nonlocal logged
            if not logged:  # once: when the body is sent (background tasks may run on after it) or at the end
                logged = True
                ms = round((time.perf_counter() - started) * 1000, 1)
                access_log.info(
                    "%s %s %d %.1f ms",
                    scope["method"],
                    scope["path"],
                    status,
                    ms,
                    extra={"method": scope["method"], "path": scope["path"], "status": status, "duration_ms": ms},
                )

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message)["X-Request-ID"] = context.id
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                log_access()

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            access_log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            raise
        finally:
            log_access()
            _request.reset(token)


def install(app: Starlette, settings: Settings) -> None:
    """Configure logging for the API and add the request-id middleware outermost; call it after the other
    middleware is added, so that its access line covers what they answer (413s included)."""
    configure(settings)
    app.add_middleware(RequestLog)
