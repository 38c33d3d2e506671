"""One reconciliation service: an authority index answering the 0.2 manifest, queries, suggest, preview, extend.

Entity ids are the entries' own URIs, so a reconciled OpenRefine column holds linked-data identifiers that mean
the same outside verrijk; the manifest's identifierSpace is their namespace (Wikidata's, GeoNames') when they all
share one. Because clients percent-encode ids before putting them into the view and preview templates, those
templates point at this service (`/view?id=`, `/preview?id=`), and `/view` redirects to the URI. Names are given
in the service's language (Dutch: "Oostende", not "Ostend") when the authority has labels per language.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from verrijk import __version__
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.model import Entry
from verrijk.folding import fold
from verrijk.reconcile import properties as props
from verrijk.reconcile.protocol import (
    MAX_BATCH,
    TYPES,
    ExtendQuery,
    ProtocolError,
    Query,
    entity_type,
    type_of_code,
)

MATCH_SCORE = 0.9  # a candidate is a match from this calibrated score up ...
MATCH_MARGIN = 0.1  # ... when the runner-up is at least this far behind
# A query that gives a type and names a candidate exactly (its label or an alternative label) leaves one question:
# which of the namesakes. The candidate holding this share of their importance (population, fame) answers it,
# from this score up ("Paris" in a column of places: Paris, France, not Paris, Texas).
DOMINANT_SHARE = 0.9
DOMINANT_SCORE = 0.5
PROPERTY_AGREES = 0.5  # a matching property closes half the gap to 1
PROPERTY_DISAGREES = 0.6  # a contradicting one keeps 60 % of the score
SUGGEST_LIMIT = 10
PREVIEW_SIZE = (400, 140)
API_KEY_HEADER = "X-API-Key"
LANGUAGE = "nl"  # the language names are shown in
# identifier namespaces a whole authority may share; an authority of mixed ids has this service's URL instead
SPACES = (
    "http://www.wikidata.org/entity/",
    "https://sws.geonames.org/",
    "http://viaf.org/viaf/",
    "https://rkd.nl/explore/artists/",
    "http://vocab.getty.edu/",
    "http://iconclass.org/",
)


@dataclass
class _Scored:
    entry: Entry
    score: float
    features: dict[str, float | bool] = field(default_factory=dict)


class ReconcileService:
    def __init__(
        self, index: AuthorityIndex, endpoint: str, label: str = "", private: bool = False, language: str = LANGUAGE
    ):
        self.index, self.endpoint, self.private, self.language = index, endpoint.rstrip("/"), private, language
        self.label = label or index.name

    def name(self, entry: Entry) -> str:
        """The entry's label in the service's language when it has one, else its preferred label."""
        return next(iter(props.values(entry, "label", self.language)), entry.label)

    def identifier_space(self) -> str:
        """The namespace every entity id lies in, when they share one of the known ones; else this service."""
        uris = [e.uri for e in self.index.entries]
        space = next((s for s in SPACES if uris and uris[0].startswith(s)), None)
        return space if space and all(u.startswith(space) for u in uris) else self.endpoint

    def default_types(self) -> list[dict[str, str]]:
        """The types this authority's entries have, the commonest first (all types for an untyped one)."""
        counts = self.index.type_counts
        codes = sorted(counts, key=counts.__getitem__, reverse=True) or [t.code for t in TYPES]
        return self._types(codes)

    # manifest ---------------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        def service(path: str) -> dict[str, str]:
            return {"service_url": self.endpoint, "service_path": path}

        manifest: dict[str, Any] = {
            "versions": ["0.2"],
            "name": f"verrijk: {self.label}",
            "identifierSpace": self.identifier_space(),
            "schemaSpace": "https://schema.org/",
            "serviceVersion": __version__,
            "defaultTypes": self.default_types(),
            "view": {"url": f"{self.endpoint}/view?id={{{{id}}}}"},
            "preview": {
                "url": f"{self.endpoint}/preview?id={{{{id}}}}",
                "width": PREVIEW_SIZE[0],
                "height": PREVIEW_SIZE[1],
            },
            "suggest": {
                # OpenRefine 3.6 asks the flyout for a hovered suggestion; without one it tries a Freebase path
                "entity": service("/suggest/entity") | {"flyout_service_path": "/flyout/entity?id=${id}"},
                "type": service("/suggest/type"),
                "property": service("/suggest/property"),
            },
            "extend": {"propose_properties": service("/properties"), "property_settings": props.SETTINGS},
            "batchSize": MAX_BATCH,
        }
        if self.private:
            manifest["authentication"] = {
                "type": "apiKey",
                "in": "header",
                "name": API_KEY_HEADER,
                "description": "A verrijk API key of the organisation that owns this authority",
            }
        return manifest

    # reconciliation ---------------------------------------------------------------------------
    def reconcile(self, queries: dict[str, Query]) -> dict[str, Any]:
        """Each query on its own (the spec asks that queries in a batch do not influence each other)."""
        return {key: {"result": self._result(query)} for key, query in queries.items()}

    def _result(self, query: Query) -> list[dict[str, Any]]:
        ranked = sorted(self._candidates(query), key=lambda s: (-s.score, s.entry.label, s.entry.uri))[: query.limit]
        confident = bool(ranked) and (ranked[0].score >= MATCH_SCORE or _dominant(ranked[0], query))
        clear = len(ranked) < 2 or ranked[0].score - ranked[1].score >= MATCH_MARGIN
        return [
            {
                "id": s.entry.uri,
                "name": self.name(s.entry),
                "description": props.describe(s.entry),
                "type": self._types(s.entry.types),
                "score": round(s.score * 100, 2),
                "match": i == 0 and confident and clear,
                "features": [{"id": key, "value": value} for key, value in s.features.items()],
            }
            for i, s in enumerate(ranked)
        ]

    def _candidates(self, query: Query) -> list[_Scored]:
        found: dict[str, _Scored] = {}
        direct = self.index.get(query.text) if query.text else None
        if direct is not None:  # the query is an entity id: that entity, certainly
            found[direct.uri] = _Scored(direct, 1.0, {"id_match": True})
        if query.text:
            pool = max(query.limit * 3, 20)
            for c in self.index.search(query.text, types=query.types or None, limit=pool):
                if c.entry.uri not in found:
                    features = {"name": round(c.score, 4)}
                    features |= {k: v for k, v in c.features.items() if _feature(v) and k != "name"}
                    found[c.entry.uri] = _Scored(c.entry, c.score, features)
        scored = [s for s in found.values() if self._type_ok(s, query)]
        for s in scored:
            for constraint in query.properties:
                agrees = props.compare(s.entry, constraint.pid, constraint.values)
                if agrees is None:
                    continue
                s.features[f"property:{constraint.pid}"] = agrees
                s.score = s.score + (1 - s.score) * PROPERTY_AGREES if agrees else s.score * PROPERTY_DISAGREES
        return scored

    @staticmethod
    def _type_ok(s: _Scored, query: Query) -> bool:
        """Types filter ("all": every one, else at least one); OpenRefine sends "should" whenever a type is chosen
        and its users expect the type to hold, so "should" filters like "any". An id given as query always counts,
        and so do entries of unknown type (as in the index: a vocabulary without types is not emptied)."""
        have = set(s.entry.types)
        if not query.types or not have or "id_match" in s.features:
            return True
        return set(query.types) <= have if query.type_strict == "all" else bool(have & set(query.types))

    @staticmethod
    def _types(codes: Iterable[str]) -> list[dict[str, str]]:
        return [{"id": t.id, "name": t.name} for t in map(type_of_code, codes)]

    # suggest ----------------------------------------------------------------------------------
    def suggest_entities(self, prefix: str, cursor: int = 0, types: tuple[str, ...] = ()) -> dict[str, Any]:
        entries: list[Entry] = []
        direct = self.index.get(prefix.strip()) if prefix.strip() else None
        if direct is not None:
            entries.append(direct)
        if prefix.strip():
            more = self.index.complete(prefix, types=types or None, limit=cursor + SUGGEST_LIMIT)
            entries += [e for e in more if direct is None or e.uri != direct.uri]
        return {
            "result": [
                {
                    "id": e.uri,
                    "name": self.name(e),
                    "description": props.describe(e),
                    "notable": self._types(e.types),
                }
                for e in entries[cursor : cursor + SUGGEST_LIMIT]
            ]
        }

    def suggest_types(self, prefix: str, cursor: int = 0) -> dict[str, Any]:
        hits = [t for t in TYPES if _starts(prefix, (t.name, t.code, t.id))]
        return {"result": [{"id": t.id, "name": t.name} for t in hits[cursor : cursor + SUGGEST_LIMIT]]}

    def suggest_properties(self, prefix: str, cursor: int = 0) -> dict[str, Any]:
        hits = [p for p in props.PROPERTIES if _starts(prefix, (p.name, p.id))]
        return {
            "result": [
                {"id": p.id, "name": p.name, "description": p.description}
                for p in hits[cursor : cursor + SUGGEST_LIMIT]
            ]
        }

    # preview and view -------------------------------------------------------------------------
    def entry(self, entity_id: str) -> Entry | None:
        return self.index.get(entity_id)

    def flyout(self, entry: Entry) -> dict[str, str]:
        """What OpenRefine shows beside a hovered suggestion: {"id", "html"} (the Freebase flyout format)."""
        esc = html.escape
        about = props.describe(entry)
        body = f"<p><strong>{esc(self.name(entry))}</strong></p>" + (f"<p>{esc(about)}</p>" if about else "")
        return {"id": entry.uri, "html": body}

    def preview(self, entry: Entry) -> str:
        """A small page for OpenRefine's preview iframe; everything from the authority is escaped."""
        esc = html.escape
        types = ", ".join(type_of_code(c).name for c in entry.types)
        link = (
            f'<a href="{esc(entry.uri)}" target="_blank" rel="noopener noreferrer">{esc(entry.uri)}</a>'
            if entry.uri.startswith(("http://", "https://"))
            else esc(entry.uri)
        )
        alt, about = ", ".join(entry.alt_labels[:5]), props.describe(entry)
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
            f"{esc(entry.label)}</title><style>body{{font:13px sans-serif;margin:6px}}"
            "h1{font-size:15px;margin:0 0 4px}p{margin:2px 0}small{color:#555}</style></head><body>"
            f"<h1>{esc(self.name(entry))} <small>{esc(types)}</small></h1>"
            + (f"<p><small>{esc(alt)}</small></p>" if alt else "")
            + (f"<p>{esc(about)}</p>" if about else "")
            + f"<p>{link}</p></body></html>"
        )

    # data extension ---------------------------------------------------------------------------
    def propose(self, type_id: str | None, limit: int | None) -> dict[str, Any]:
        codes: tuple[str, ...] = ()
        if type_id:
            found = entity_type(type_id)
            if found is None:
                raise ProtocolError("type", f"{type_id!r} is not a type of this service")
            codes = (found.code,)
        chosen = [p for p in props.PROPERTIES if props.applies_to(p, codes) and self._has(p.id)][:limit]
        answer: dict[str, Any] = {
            "properties": [{"id": p.id, "name": p.name, "description": p.description} for p in chosen]
        }
        if type_id:
            answer["type"] = type_id
        if limit is not None:
            answer["limit"] = limit
        return answer

    def _has(self, pid: str) -> bool:
        """Whether some entry has a value for the property: proposing one that is always empty wastes a column."""
        return pid in ("label", "alt_labels", "type") or pid in self.index.property_names

    def extend(self, query: ExtendQuery) -> dict[str, Any]:
        meta = [{"id": pid, "name": props.property_name(pid)} for pid, _ in query.properties]
        rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for entity_id in query.ids:
            entry = self.index.get(entity_id)
            rows[entity_id] = {pid: self._cell(entry, pid, settings) for pid, settings in query.properties}
        return {"meta": meta, "rows": rows}

    def _cell(self, entry: Entry | None, pid: str, settings: dict[str, Any]) -> list[dict[str, Any]]:
        if entry is None:
            return []
        lang = settings.get("lang") if isinstance(settings.get("lang"), str) else ""
        # an identifier (Wikidata, VIAF, RKD) is a string, also when it happens to be an entity id of this authority
        resolve = (lambda _: None) if pid in props.IDENTIFIERS else self.index.get
        rendered = [r for v in props.values(entry, pid, lang) if (r := props.render(v, resolve)) is not None]
        limit = settings.get("limit")
        if isinstance(limit, str) and limit.isdigit():  # OpenRefine sends settings from HTML inputs as strings
            limit = int(limit)
        return rendered[:limit] if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else rendered


def _dominant(s: _Scored, query: Query) -> bool:
    """An exact name of an entry of the type asked for that dwarfs its namesakes, no property disagreeing."""
    return (
        bool(query.types and set(query.types) & set(s.entry.types))
        and s.features.get("exact") == 1.0
        and s.features.get("share", 0.0) >= DOMINANT_SHARE
        and s.score >= DOMINANT_SCORE
        and all(v is not False for k, v in s.features.items() if k.startswith("property:"))
    )


def _feature(value: Any) -> bool:
    """A matching feature is a boolean or a finite number (JSON has no NaN)."""
    return isinstance(value, bool) or (isinstance(value, int | float) and math.isfinite(value))


def _starts(prefix: str, names: Iterable[str]) -> bool:
    """Empty prefix: everything; else some word of some name starts with the (folded) prefix."""
    key = fold(prefix)
    return not key or any(word.startswith(key) for name in names for word in [fold(name), *fold(name).split()])
