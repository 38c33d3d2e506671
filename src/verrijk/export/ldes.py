"""A Linked Data Event Stream per organisation: versions of published records and decided enrichments,
in time-ordered TREE pages; full pages never change, so clients and caches can keep them for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from verrijk.export.oslo import record_jsonld
from verrijk.export.published import publish
from verrijk.store.repo import Repo
from verrijk.store.tables import Record, StreamMember

PAGE_SIZE = 100
CONTEXT = {
    "tree": "https://w3id.org/tree#",
    "ldes": "https://w3id.org/ldes#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "oa": "http://www.w3.org/ns/oa#",
    "verrijk": "https://w3id.org/verrijk/ns#",
    "tree:node": {"@type": "@id"},
    "tree:path": {"@type": "@id"},
    "tree:view": {"@type": "@id"},
    "ldes:timestampPath": {"@type": "@id"},
    "ldes:versionOfPath": {"@type": "@id"},
    "dcterms:isVersionOf": {"@type": "@id"},
    "prov:generatedAtTime": {"@type": "xsd:dateTime"},
}


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


class Stream:
    def __init__(self, repo: Repo, base_url: str):
        self.repo, self.base_url = repo, base_url
        self.org = repo.organisation()
        self.url = f"{base_url}/ldes/{self.org.slug}"
        self.retention_days = (self.org.settings or {}).get("ldes_retention_days")

    def _since(self) -> datetime | None:
        if not self.retention_days:
            return None
        return datetime.now(UTC) - timedelta(days=int(self.retention_days))

    def event_stream(self) -> dict[str, Any]:
        view: dict[str, Any] = {"@id": self.page_url(0)}
        if self.retention_days:
            view["tree:viewDescription"] = {
                "@type": "tree:ViewDescription",
                "ldes:retentionPolicy": {
                    "@type": "ldes:DurationAgoPolicy",
                    "tree:value": {"@value": f"P{int(self.retention_days)}D", "@type": "xsd:duration"},
                },
            }
        return {
            "@context": CONTEXT,
            "@id": self.url,
            "@type": "ldes:EventStream",
            "dcterms:title": f"{self.org.name}: records and accepted enrichments (verrijk)",
            "ldes:timestampPath": "prov:generatedAtTime",
            "ldes:versionOfPath": "dcterms:isVersionOf",
            "tree:view": view,
        }

    def page_url(self, after: int) -> str:
        return f"{self.url}/pages/{after}"

    def page(self, after: int) -> tuple[dict[str, Any], bool]:
        """The page of members after member id `after`, and whether it is full (and so immutable)."""
        members = self.repo.stream_members(after_id=after, limit=PAGE_SIZE, since=self._since())
        full = len(members) == PAGE_SIZE
        node: dict[str, Any] = {"@id": self.page_url(after), "@type": "tree:Node", "tree:relation": []}
        if full:
            node["tree:relation"].append(
                {
                    "@type": "tree:GreaterThanOrEqualToRelation",
                    "tree:path": "prov:generatedAtTime",
                    "tree:value": {"@value": _iso(members[-1].created_at), "@type": "xsd:dateTime"},
                    "tree:node": self.page_url(members[-1].id),
                }
            )
        previous = self.repo.stream_page_start_before(after, PAGE_SIZE) if after else None
        if previous is not None and members:
            node["tree:relation"].append(
                {
                    "@type": "tree:LessThanRelation",
                    "tree:path": "prov:generatedAtTime",
                    "tree:value": {"@value": _iso(members[0].created_at), "@type": "xsd:dateTime"},
                    "tree:node": self.page_url(previous),
                }
            )
        stream = {"@id": self.url, "@type": "ldes:EventStream", "tree:member": [self.member(m) for m in members]}
        return {"@context": CONTEXT, "@graph": [node, stream]}, full

    def member_by_id(self, member_id: int) -> dict[str, Any] | None:
        found = self.repo.stream_members(after_id=member_id - 1, limit=1, since=self._since())
        return self.member(found[0]) | {"@context": CONTEXT} if found and found[0].id == member_id else None

    def member(self, m: StreamMember) -> dict[str, Any]:
        version = {"@id": f"{self.url}/members/{m.id}", "prov:generatedAtTime": _iso(m.created_at)}
        if m.kind == "record":
            return version | self._record_version(m)
        return version | self._annotation_version(m)

    def _record_version(self, m: StreamMember) -> dict[str, Any]:
        snapshot = {k: v for k, v in m.snapshot.items() if k != "media"}
        record = Record(id=m.record_id, collection_id=m.collection_id, **snapshot)
        collection = next(c for c in self.repo.public_collections() if c.id == m.collection_id)
        doc = record_jsonld(publish(record, collection, self.org, [], self.base_url), {}, self.base_url)
        doc.pop("@id")
        return doc | {"dcterms:isVersionOf": f"{self.base_url}/records/{m.record_id}"}

    def _annotation_version(self, m: StreamMember) -> dict[str, Any]:
        s = m.snapshot
        target: dict[str, Any] = {"oa:hasSource": {"@id": f"{self.base_url}/records/{m.record_id}#{s['field']}"}}
        if s.get("start") is not None:
            target["oa:hasSelector"] = {"@type": "oa:TextPositionSelector", "oa:start": s["start"], "oa:end": s["end"]}
        body = (
            {"@id": s["authority_uri"]}
            if s.get("authority_uri")
            else {"@type": "oa:TextualBody", "rdf:value": s["label"]}
        )
        return {
            "@type": "oa:Annotation",
            "dcterms:isVersionOf": f"{self.base_url}/annotations/{m.suggestion_id}",
            "oa:motivatedBy": {"@id": "oa:linking" if s.get("authority_uri") else "oa:tagging"},
            "oa:hasBody": body,
            "oa:hasTarget": target,
            "verrijk:label": s["label"],
            "verrijk:status": s["status"],
            "verrijk:score": s["score"],
            "verrijk:enricher": s["enricher"],
            "verrijk:enricherVersion": s["enricher_version"],
        }
