"""Shared vocabulary of the domain: roles, suggestion kinds and states, record fields, rights URIs."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from annotated_types import Ge, Le

# A row id as a path, query or body value. The store's ids are PostgreSQL `integer`s (32-bit; SQLite's are wider but
# never grow past them): larger ids are refused with 422 before any query, never a 500 (an overflow in the database).
ID_MAX = 2**31 - 1
Id = Annotated[int, Ge(1), Le(ID_MAX)]


class Role(StrEnum):
    admin = "admin"
    cataloger = "cataloger"
    volunteer = "volunteer"
    client = "client"


ALL_ROLES = tuple(Role)
REVIEWERS = (Role.admin, Role.cataloger)  # decide on suggestions, run jobs, edit collections
READERS = (Role.admin, Role.cataloger, Role.client)  # read records, jobs, exports; call the text pipeline
VOLUNTEERS = (Role.volunteer, Role.admin)  # answer small tasks


class SuggestionKind(StrEnum):
    entity = "entity"
    link = "link"
    subject = "subject"
    tag = "tag"
    transcript = "transcript"


class SuggestionStatus(StrEnum):
    suggested = "suggested"
    accepted = "accepted"
    rejected = "rejected"
    edited = "edited"
    auto = "auto"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


# Record fields a mapping can fill. Multi-valued ones hold lists of strings.
SINGLE_FIELDS = ("source_id", "title", "description", "date", "date_from", "date_to", "rights", "language", "uri")
LIST_FIELDS = ("creator", "place", "subject", "type", "media")
RECORD_FIELDS = SINGLE_FIELDS + LIST_FIELDS

RIGHTS_PATTERN = (  # the URIs is_valid_rights accepts, as one regular expression (for the API's schema)
    r"^https?://(rightsstatements\.org/vocab/(InC|InC-OW-EU|InC-EDU|InC-NC|InC-RUU|NoC-CR|NoC-NC|NoC-OKLR|NoC-US|CNE"
    r"|UND|NKC)/1\.0|creativecommons\.org/publicdomain/(zero|mark)/1\.0|creativecommons\.org/licenses/"
    r"(by|by-sa|by-nd|by-nc|by-nc-sa|by-nc-nd)/(1\.0|2\.0|2\.5|3\.0|4\.0)(/[a-z]{2})?)/?$"
)
_RIGHTS_PATTERNS = (
    re.compile(
        r"^https?://rightsstatements\.org/vocab/(InC|InC-OW-EU|InC-EDU|InC-NC|InC-RUU|NoC-CR|NoC-NC|NoC-OKLR|NoC-US|CNE|UND|NKC)/1\.0/?$"
    ),
    re.compile(r"^https?://creativecommons\.org/publicdomain/(zero/1\.0|mark/1\.0)/?$"),
    re.compile(
        r"^https?://creativecommons\.org/licenses/(by|by-sa|by-nd|by-nc|by-nc-sa|by-nc-nd)/(1\.0|2\.0|2\.5|3\.0|4\.0)(/[a-z]{2})?/?$"
    ),
)

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
COPYRIGHT_NOT_EVALUATED = "http://rightsstatements.org/vocab/CNE/1.0/"


def is_valid_rights(uri: str) -> bool:
    """True for a rightsstatements.org statement or a Creative Commons licence/tool URI."""
    return any(p.match(uri.strip()) for p in _RIGHTS_PATTERNS)


def is_in_copyright(uri: str) -> bool:
    return "rightsstatements.org/vocab/InC" in uri
