"""A record as it is published: its fields plus accepted enrichments, sorted into the fields they enrich."""

from __future__ import annotations

from dataclasses import dataclass, field

from verrijk.store.tables import Collection, Organisation, Record, Suggestion

AGENT_FIELDS = ("creator",)
PLACE_FIELDS = ("place",)


@dataclass
class Link:
    uri: str
    label: str
    suggestion: Suggestion


@dataclass
class Published:
    record: Record
    collection: Collection
    organisation: Organisation
    uri: str
    agents: list[Link] = field(default_factory=list)
    places: list[Link] = field(default_factory=list)
    concepts: list[Link] = field(default_factory=list)
    tags: list[Suggestion] = field(default_factory=list)


def publish(
    record: Record, collection: Collection, organisation: Organisation, accepted: list[Suggestion], base_url: str
) -> Published:
    out = Published(record, collection, organisation, f"{base_url}/records/{record.id}")
    for s in accepted:
        if not s.authority_uri:
            out.tags.append(s)
            continue
        link = Link(s.authority_uri, s.label, s)
        field_name = s.field.split(".")[0]
        if field_name in AGENT_FIELDS or s.entity_type in ("PER", "ORG"):
            out.agents.append(link)
        elif field_name in PLACE_FIELDS or s.entity_type == "LOC":
            out.places.append(link)
        else:
            out.concepts.append(link)
    return out
