"""RFC 9457 problem details for every error the API returns, saying what is wrong and where."""

from __future__ import annotations

import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from verrijk.errors import VerrijkError

PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: what went wrong, in words; validation errors add `errors`, each with `where`."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None


# what any API route may answer besides its own success: declared on every router so the schema says it
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": TITLES[status], "content": {PROBLEM: {"schema": ProblemDetails.model_json_schema()}}}
    for status in (400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 503)
}


class Problem(Exception):
    """A protocol-level error a router raises itself (a parameter the HTTP layer cannot use); services raise
    verrijk.errors instead."""

    def __init__(self, status: int, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def problem_response(
    status: int, detail: str, instance: str = "", headers: dict | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


# how pydantic names an enum member among the values a Literal allows: <SuggestionStatus.accepted: 'accepted'>
ENUM_REPR = re.compile(r"<\w+\.\w+: ('[^']*')>")
# what a value matching a declared pattern looks like, in words: a caller is told this instead of the raw regex
PATTERN_WORDS: dict[str, str] = {}


def described(pattern: str, words: str) -> str:
    """A parameter's or field's pattern, with what a value must look like for the error message when it does not."""
    PATTERN_WORDS[pattern] = words
    return pattern


def _error(error: dict[str, Any]) -> dict[str, str]:
    """Where and what: a body that is not JSON at all is named as such, at the character where parsing stopped; the
    values an enum-valued field allows are quoted as a caller writes them."""
    if error["type"] == "json_invalid":
        where = f"body (character {error['loc'][-1]})"
        return {"where": where, "message": f"not valid JSON: {error.get('ctx', {}).get('error', error['msg'])}"}
    if error["type"] == "string_pattern_mismatch":
        words = PATTERN_WORDS.get(error.get("ctx", {}).get("pattern", ""), "in the form the API documentation gives")
        return {"where": _where(tuple(error["loc"])), "message": f"{str(error['input'])[:100]!r} is not {words}"}
    message = ENUM_REPR.sub(r"\1", error["msg"]).removeprefix("Value error, ")  # a validator's own words, as said
    return {"where": _where(tuple(error["loc"])), "message": message}


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "path", "header", "body", "cookie"):
        head, rest = parts[0], parts[1:]
        return (
            f"{head} parameter {'.'.join(rest)!r}" if head != "body" else f"body field {'.'.join(rest) or '(root)'!r}"
        )
    return ".".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(exc.status, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.method} {request.url.path}"
        return problem_response(exc.status_code, detail, request.url.path, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [_error(e) for e in exc.errors()]
        detail = "; ".join(f"{e['where']}: {e['message']}" for e in errors)
        return problem_response(422, detail, request.url.path, errors=errors)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        """A bug, not the caller's fault: problem details like every other error, without the exception's text (the
        server log has it, with the traceback)."""
        return problem_response(500, "an unexpected error on the server; it has been logged", request.url.path)

    @app.exception_handler(VerrijkError)
    async def _domain(request: Request, exc: VerrijkError):
        """Every error a service raises on purpose carries its status; the message says what and where."""
        return problem_response(exc.status, str(exc), request.url.path, headers=retry_after(exc))


def retry_after(exc: Exception) -> dict[str, str] | None:
    """The Retry-After header (whole seconds, at least 1) for a limit that says when it lifts."""
    wait = getattr(exc, "retry_after", None)
    return {"Retry-After": str(max(1, math.ceil(wait)))} if wait is not None else None
