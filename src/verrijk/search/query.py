"""A search request as the Europeana Search API shapes it: query, qf filters, facets, mode, paging cursor."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field

from verrijk.errors import BadInput
from verrijk.search.hybrid import MODES
from verrijk.search.lexical import LANGUAGES
from verrijk.store.repo import RecordFilter

LIST_FIELDS = ("creator", "place", "subject", "type")
QF_FIELDS = (*LIST_FIELDS, "language", "rights", "collection", "date")
FACETS = (*LIST_FIELDS, "language", "rights", "collection", "century")
MAX_ROWS = 100
DATE_RANGE = re.compile(r"^\[\s*(\*|-?\d{1,4})\s+TO\s+(\*|-?\d{1,4})\s*\]$", re.IGNORECASE)
# the filters parse_qf takes, for the API's schema: a known field and a value; a date as a year or a range open at
# one end (a closed range must also not end before it starts, which a pattern cannot say)
QF_PATTERN = (
    rf"^\s*({'|'.join(f for f in QF_FIELDS if f != 'date')})\s*:\s*\S.*$"
    r"|^\s*date\s*:\s*(-?\d{1,4}|\[\s*(\*|-?\d{1,4})\s+TO\s+\*\s*\]|\[\s*\*\s+TO\s+(\*|-?\d{1,4})\s*\])\s*$"
)


@dataclass
class SearchRequest:
    query: str
    mode: str = "hybrid"
    lang: str | None = None
    filters: list[RecordFilter] = field(default_factory=list)
    facets: list[str] = field(default_factory=list)
    rows: int = 12
    offset: int = 0

    def key(self) -> str:
        """What a cursor is bound to: following it with another query is a mistake, not a new page."""
        parts = [self.query, self.mode, self.lang or "", *sorted(repr(f) for f in self.filters)]
        return hashlib.sha1("\x00".join(parts).encode()).hexdigest()[:12]


def parse_request(
    query: str | None,
    qf: list[str] | None = None,
    facet: list[str] | None = None,
    mode: str = "hybrid",
    lang: str | None = None,
    rows: int = 12,
    cursor: str | None = None,
) -> SearchRequest:
    """Check every parameter and build the request; BadInput says which parameter is wrong and how."""
    if not query or not query.strip():
        raise BadInput("query parameter 'query' is empty: give the words to search for")
    if mode not in MODES:
        raise BadInput(f"query parameter 'mode': {mode!r} is not one of {', '.join(MODES)}")
    if lang is not None and lang not in LANGUAGES:
        raise BadInput(f"query parameter 'lang': {lang!r} is not one of {', '.join(LANGUAGES)}")
    if not 1 <= rows <= MAX_ROWS:
        raise BadInput(f"query parameter 'rows': {rows} is outside 1..{MAX_ROWS}")
    for name in facet or []:
        if name not in FACETS:
            raise BadInput(f"query parameter 'facet': {name!r} is not one of {', '.join(FACETS)}")
    request = SearchRequest(query.strip(), mode, lang, [parse_qf(v) for v in qf or []], list(facet or []), rows)
    if cursor:
        request.offset = decode_cursor(cursor, request.key())
    return request


def parse_qf(value: str) -> RecordFilter:
    """One `field:value` filter; dates as a year or a range `[1700 TO 1800]` (either end may be *)."""
    name, sep, wanted = value.partition(":")
    name, wanted = name.strip(), wanted.strip()
    if not sep or not wanted:
        raise BadInput(f"query parameter 'qf': {value!r} is not of the form field:value")
    if name not in QF_FIELDS:
        raise BadInput(f"query parameter 'qf': unknown field {name!r} in {value!r}; fields: {', '.join(QF_FIELDS)}")
    if name != "date":
        return RecordFilter(**{name: wanted})
    if re.fullmatch(r"-?\d{1,4}", wanted):
        return RecordFilter(date_from=int(wanted), date_to=int(wanted))
    match = DATE_RANGE.match(wanted)
    if not match:
        raise BadInput(f"query parameter 'qf': date {wanted!r} is neither a year nor a range like [1700 TO 1800]")
    start, end = (None if v == "*" else int(v) for v in match.groups())
    if start is not None and end is not None and end < start:
        raise BadInput(f"query parameter 'qf': date range {wanted!r} ends before it starts")
    return RecordFilter(date_from=start, date_to=end)


def encode_cursor(offset: int, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, key: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, bound_to = int(data["o"]), data["k"]
    except Exception as exc:  # any corruption of the opaque token is the caller's mistake
        raise BadInput(
            f"query parameter 'cursor': {cursor!r} is not a cursor returned by /search", code="bad_cursor"
        ) from exc
    if bound_to != key or offset < 0:
        raise BadInput(
            "query parameter 'cursor': it belongs to another query; start again without a cursor", code="bad_cursor"
        )
    return offset
