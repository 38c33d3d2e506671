"""Entity linking: authorities as in-memory alias indexes, and disambiguation of mentions against them."""

from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import (
    AuthorityFormatError,
    Candidate,
    Entry,
    LinkContext,
    LinkResult,
    UnknownAuthority,
)
from verrijk.enrich.text.linking.store import open_index

__all__ = [
    "AuthorityFormatError",
    "AuthorityIndex",
    "Candidate",
    "Entry",
    "LinkContext",
    "LinkResult",
    "Linker",
    "UnknownAuthority",
    "open_index",
]
