"""Records with their accepted enrichments as OSLO Cultureel Erfgoed JSON-LD (erkende standaard 2021-04-22),
and the same graph as Turtle. Expansion uses the contexts shipped in export/contexts, never the network."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Graph

from verrijk.export.published import Link, Published
from verrijk.store.tables import Decision

CONTEXTS = Path(__file__).parent / "contexts"
EVENT_CONTEXT = (
    "https://data.vlaanderen.be/doc/applicatieprofiel/cultureel-erfgoed-event/erkendestandaard/"
    "2021-04-22/context/cultureel-erfgoed-event-ap.jsonld"
)
OBJECT_CONTEXT = (
    "https://data.vlaanderen.be/doc/applicatieprofiel/cultureel-erfgoed-object/erkendestandaard/"
    "2021-04-22/context/cultureel-erfgoed-object-ap.jsonld"
)
VERRIJK_NS = "https://w3id.org/verrijk/ns#"
# The event context comes first and the object context last, so the object profile's definitions win
# where the two disagree (Entiteit.beschrijving); the third entry adds verrijk's own small extension.
CONTEXT = [EVENT_CONTEXT, OBJECT_CONTEXT, {"verrijk": VERRIJK_NS}]
EDTF = "http://id.loc.gov/datatypes/edtf/EDTF"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"
ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"
RDFS_LITERAL = "http://www.w3.org/2000/01/rdf-schema#Literal"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
ADMS = "http://www.w3.org/ns/adms#"
# Which CIDOC property an accepted enrichment of each kind asserts, for its Toekenning (E13).
ASSERTS = {"agent": CRM + "P14_carried_out_by", "place": CRM + "P62_depicts", "concept": CRM + "P129_is_about"}
EDTF_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?$")


def _lang(text: str, language: str | None) -> dict[str, str]:
    return {"@value": text, "@language": language or "und"}


def _concept(label: str, language: str | None) -> dict[str, Any]:
    return {"@type": SKOS + "Concept", SKOS + "prefLabel": _lang(label, language)}


def _edtf(p: Published) -> str | None:
    r = p.record
    if EDTF_DATE.match(r.date or ""):
        return r.date
    if r.date_from is not None:
        start, end = f"{r.date_from:04d}", f"{(r.date_to or r.date_from):04d}"
        return start if start == end else f"{start}/{end}"
    return None


def _rights(uri: str) -> list[dict[str, Any]]:
    return [{"@type": "Recht", "Recht.type": [{"@id": uri}]}]


def record_jsonld(p: Published, decisions: dict[int, Decision], base_url: str) -> dict[str, Any]:
    """One MensgemaaktObject; accepted enrichments appear as links and as Toekenning with their provenance."""
    r, lang = p.record, p.record.language
    org_uri = f"{base_url}/organisations/{p.organisation.slug}"
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": p.uri,
        "@type": "MensgemaaktObject",
        "Entiteit.identificator": [
            {
                "@type": "Identificator",
                "Identificator.identificator": {"@value": r.source_id, "@type": RDFS_LITERAL},
                "Identificator.toegekendDoor": {"@id": org_uri},
            }
        ],
        "MaterieelDing.beheerder": [
            {"@id": org_uri, "@type": "Organisatie", "Organisatie.voorkeursnaam": _lang(p.organisation.name, "nl")}
        ],
    }
    if r.title:
        doc["MensgemaaktObject.titel"] = [_lang(r.title, lang)]
    if r.description:
        doc["Entiteit.beschrijving"] = [_lang(r.description, lang)]
    if r.type:
        doc["Entiteit.type"] = [_concept(t, lang) for t in r.type]
    materials = r.extra.get("material") or []
    if materials:
        doc["MensgemaaktObject.materiaal"] = [_concept(m, lang) for m in materials]
    production: dict[str, Any] = {"@type": "Productie"}
    linked = {link.suggestion.field for link in p.agents}  # "creator.0": that name is now a link
    agents = [{"@id": link.uri, "@type": "Agent", FOAF_NAME: link.label} for link in p.agents]
    agents += [{"@type": "Agent", FOAF_NAME: name} for i, name in enumerate(r.creator) if f"creator.{i}" not in linked]
    if agents:
        production["Activiteit.uitgevoerdDoor"] = agents
    date = _edtf(p)
    if date:
        production["Gebeurtenis.tijd"] = {"@value": date, "@type": EDTF}
    doc["MaterieelDing.productie"] = production
    depicted = [{"@id": link.uri, "@type": "Locatie"} for link in p.places]
    depicted += [{"@type": "Locatie", SKOS + "prefLabel": _lang(place, lang)} for place in r.place]
    depicted += [{"@type": "Persoon", FOAF_NAME: person} for person in r.extra.get("depicted_person") or []]
    if depicted:
        doc["MensgemaaktObject.beeldtUit"] = depicted
    about = [{"@id": link.uri} for link in p.concepts] + [_concept(s, lang) for s in r.subject]
    about += [_concept(t.label, lang) for t in p.tags]
    if about:
        doc["MensgemaaktObject.draagt"] = [{"@type": "InformatieObject", "InformatieObject.gaatOver": about}]
    if r.rights:
        doc["WettelijkObject.isOnderworpenAan"] = _rights(r.rights)
    if p.collection.metadata_license:
        doc["Entiteit.wordtGedocumenteerdDoor"] = [
            {
                "@id": f"{p.uri}#record",
                "@type": "Document",
                "WettelijkObject.isOnderworpenAan": _rights(p.collection.metadata_license),
            }
        ]
    assignments = [
        _assignment(link, kind, decisions.get(link.suggestion.id), base_url)
        for kind, links in (("agent", p.agents), ("place", p.places), ("concept", p.concepts))
        for link in links
    ]
    if assignments:
        doc["Entiteit.toekenning"] = assignments
    return doc


def _assignment(link: Link, kind: str, decision: Decision | None, base_url: str) -> dict[str, Any]:
    """The Toekenning (CIDOC E13) recording who accepted a machine suggestion, when, from which model."""
    s = link.suggestion
    node: dict[str, Any] = {
        "@id": f"{base_url}/annotations/{s.id}",
        "@type": "Toekenning",
        "Toekenning.toegekendAttribuut": [{"@value": ASSERTS[kind], "@type": ANY_URI}],
        "Toekenning.toegekendeWaarde": [{"@id": link.uri}],
        "verrijk:enricher": s.enricher,
        "verrijk:enricherVersion": s.enricher_version,
        "verrijk:score": s.score,
        "verrijk:status": s.status,
    }
    if decision is not None:
        if decision.user_id is not None:
            node["Activiteit.uitgevoerdDoor"] = [{"@id": f"{base_url}/users/{decision.user_id}", "@type": "Agent"}]
        node["Gebeurtenis.tijd"] = {"@value": decision.created_at.strftime("%Y-%m-%d"), "@type": EDTF}
    return node


@lru_cache(maxsize=1)
def local_contexts() -> dict[str, dict]:
    return {
        url: json.loads((CONTEXTS / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))["@context"]
        for url in (EVENT_CONTEXT, OBJECT_CONTEXT)
    }


def inline_contexts(doc: dict[str, Any]) -> dict[str, Any]:
    """The same document with the official context URLs replaced by the shipped copies of their content."""
    contexts = local_contexts()
    return {**doc, "@context": [contexts.get(c, c) if isinstance(c, str) else c for c in doc["@context"]]}


def to_graph(doc: dict[str, Any]) -> Graph:
    return Graph().parse(data=json.dumps(inline_contexts(doc)), format="json-ld")


def to_turtle(doc: dict[str, Any]) -> str:
    graph = to_graph(doc)
    graph.bind("crm", CRM)
    graph.bind("verrijk", VERRIJK_NS)
    graph.bind("skos", SKOS)
    graph.bind("adms", ADMS)  # the record's identifier; unbound, rdflib would call it ns1
    return graph.serialize(format="turtle")
