"""link.creators: links the names in a record's creator field to the shared creators authority (VKC, CC0)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Item, Proposal, register
from verrijk.enrich.text.names import name_keys

VKC_CSV = Path(__file__).parents[2] / "demo" / "vkc_creators.csv"


@dataclass(frozen=True)
class Creator:
    label: str
    uri: str


def people(path: Path = VKC_CSV) -> list[list[dict[str, str]]]:
    """The authority's rows grouped per creator (one row per local name form, sharing the VKC id)."""
    rows_by_id: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rows_by_id.setdefault(row["id"] or row["_id"], []).append(row)
    return list(rows_by_id.values())


def best_uri(rows: list[dict[str, str]]) -> str:
    """A creator's URI over all their rows: Wikidata (entity form) first, then RKD, then VIAF; "" for none."""
    uri = next((u for column in ("wikidata_uri", "rkd_uri", "viaf_uri") for r in rows if (u := r[column].strip())), "")
    return uri.replace("/wiki/", "/entity/")


@lru_cache(maxsize=4)
def load_index(path: Path = VKC_CSV) -> dict[str, set[Creator]]:
    """Folded name form -> creators with an authority URI (Wikidata first, then RKD, then VIAF).

    A creator's rows (one per local name form) share its VKC id; the URI is chosen over all of them, so a
    person is one candidate even when only some of their rows carry the Wikidata link.
    """
    index: dict[str, set[Creator]] = {}
    for rows in people(path):
        uri = best_uri(rows)
        if not uri:
            continue  # "anoniem", "anonieme meester, ...": name forms without an identity to link to
        creator = Creator(rows[0]["display_name"].strip(), uri)
        for row in rows:
            for form in (row["_id"], row["display_name"]):
                for key in name_keys(form):
                    index.setdefault(key, set()).add(creator)
    return index


@register
class CreatorFieldLinker(Enricher):
    """Exact match of a normalised creator name against the authority's local name forms.

    One candidate: score 0.9 (exact name form); several identities share the form: 0.9 / n each, so a
    cataloger sees the ambiguity. Only the structured creator field is read, never free text.
    """

    name = "link.creators"
    version = "vkc-2018-05-25+names-2"
    accepts = frozenset({"text"})

    def __init__(self, path: Path = VKC_CSV):
        self.index = load_index(path)

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        results = []
        for item in items:
            proposals: list[Proposal] = []
            if item.field.startswith("creator.") and item.text:
                found: set[Creator] = set()
                for key in name_keys(item.text):
                    found |= self.index.get(key, set())
                for creator in sorted(found, key=lambda c: c.uri):
                    proposals.append(
                        Proposal(
                            SuggestionKind.link,
                            creator.label,
                            round(0.9 / len(found), 3),
                            0,
                            len(item.text),
                            creator.uri,
                            entity_type="PER",
                        )
                    )
            results.append(proposals)
        return results
