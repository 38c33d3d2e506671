"""One hierarchy of domain errors: each says what is wrong in words, and carries the HTTP status (API) and the
exit code (CLI) it means, so every adapter renders the same failure the same way. An error a person may meet on a
web page also carries a `code` and its `params`: the web pages say it in the reader's language from those (the
message itself, in English, is what the API and the CLI show)."""

from __future__ import annotations


class VerrijkError(Exception):
    """Base of every error a service raises on purpose. `status` for the API, `exit_code` for the CLI; `code` and
    `params` name the failure for a translation (verrijk.web.failures.ERRORS), None when it has none."""

    status: int = 400
    exit_code: int = 2

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, **params: object):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.code, self.params = code, params

    def __reduce__(self):  # pickled as it is (a process of its own raised it), whatever the subclass's arguments
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(kind: type[VerrijkError], args: tuple, state: dict) -> VerrijkError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class BadInput(VerrijkError, ValueError):
    """The input as a whole cannot be used (a file, a query, a parameter)."""

    status = 400


class Invalid(VerrijkError, ValueError):
    """A well-formed request asks for something that does not hold (unknown enricher, wrong parameter value)."""

    status = 422


class NotFound(VerrijkError, LookupError):
    """A row does not exist in the caller's organisation (or does not exist at all)."""

    status = 404


class Unauthenticated(VerrijkError):
    """The caller did not say who they are (no key, no sign-in), or gave a key nobody holds."""

    status = 401


class Forbidden(VerrijkError):
    status = 403


class Conflict(VerrijkError):
    """The request is fine but the current state does not allow it (job already done, slot taken)."""

    status = 409


class TooLarge(VerrijkError):
    status = 413


class QuotaExceeded(VerrijkError):
    """A limit on how much or how often: `retry_after` (seconds) says when to try again, when that is known."""

    status = 429

    def __init__(self, message: str, *, retry_after: float | None = None, code: str | None = None, **params: object):
        super().__init__(message, code=code, **params)
        self.retry_after = retry_after


class Unavailable(VerrijkError, RuntimeError):
    """Something the deployment is configured to use cannot be loaded or reached: the operator must fix it."""

    status = 503
    exit_code = 3


class Overloaded(Unavailable):
    """More of a kind of work is waiting in this server than it takes: `retry_after` (seconds) says when to try
    again."""

    def __init__(self, message: str, *, retry_after: float, code: str | None = None, **params: object):
        super().__init__(message, code=code, **params)
        self.retry_after = retry_after


class ModelError(Unavailable):
    """A configured model that cannot be loaded, or does not fit the code loading it; the message names it and why."""


class UnknownAuthority(NotFound):
    """The authority does not exist, or the organisation may not read it."""

    def __init__(self, name: str):
        super().__init__(
            f"authority {name!r} does not exist or is not readable by this organisation", code="no_authority", name=name
        )
        self.name = name


class AuthorityFormatError(BadInput):
    """A vocabulary file that cannot be read: the message names the file and the line or record."""
