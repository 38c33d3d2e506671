"""Reading SKOS (Turtle, RDF/XML, JSON-LD, N-Triples) with rdflib: the one reader behind authorities and
subject vocabularies, which each build their own values from what it returns.

A concept is every skos:Concept, and anything else with a skos:prefLabel that is no concept scheme or
collection; blank nodes are left out. Labels, notations and broader concepts come sorted, so a file always reads
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Labels = dict[str, list[str]]  # language ("" when untagged) -> texts, sorted


class SkosError(ValueError):
    """SKOS text that rdflib cannot parse; the message names the source and the format."""


@dataclass(frozen=True)
class SkosConcept:
    uri: str
    pref_labels: Labels = field(default_factory=dict)
    alt_labels: Labels = field(default_factory=dict)
    hidden_labels: Labels = field(default_factory=dict)
    notations: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    scope_notes: Labels = field(default_factory=dict)
    definitions: Labels = field(default_factory=dict)


@dataclass(frozen=True)
class SkosScheme:
    uri: str
    version: str  # owl:versionInfo, "" when it has none


@dataclass(frozen=True)
class Skos:
    concepts: list[SkosConcept]
    schemes: list[SkosScheme]

    @property
    def version(self) -> str:
        """The first concept scheme's version ("" when no scheme has one)."""
        return next((s.version for s in self.schemes if s.version), "")


def read_skos(data: str | bytes, fmt: str, source: str, base: str | None = None) -> Skos:
    """The concepts and concept schemes of SKOS text in an rdflib format ("turtle", "xml", "json-ld", "nt").

    `source` names the text in errors; `base` resolves its relative URIs.
    """
    from rdflib import OWL, RDF, SKOS, Graph, Literal, URIRef

    graph = Graph()
    try:
        graph.parse(data=data, format=fmt, publicID=base)
    except Exception as exc:  # rdflib raises many parser-specific kinds, all with the position in the message
        raise SkosError(f"{source}: not valid {fmt}: {exc}".replace("\n", " ")) from None

    def literals(node, predicate) -> Labels:
        found: Labels = {}
        for obj in graph.objects(node, predicate):
            if isinstance(obj, Literal):
                found.setdefault(obj.language or "", []).append(str(obj))
        return {lang: sorted(found[lang]) for lang in sorted(found)}

    schemes = sorted(s for s in graph.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef))
    subjects = set(graph.subjects(RDF.type, SKOS.Concept)) | set(graph.subjects(SKOS.prefLabel, None))
    subjects -= {*schemes, *graph.subjects(RDF.type, SKOS.Collection)}
    concepts = [
        SkosConcept(
            uri=str(node),
            pref_labels=literals(node, SKOS.prefLabel),
            alt_labels=literals(node, SKOS.altLabel),
            hidden_labels=literals(node, SKOS.hiddenLabel),
            notations=sorted(str(o) for o in graph.objects(node, SKOS.notation)),
            broader=sorted(str(o) for o in graph.objects(node, SKOS.broader)),
            scope_notes=literals(node, SKOS.scopeNote),
            definitions=literals(node, SKOS.definition),
        )
        for node in sorted((s for s in subjects if isinstance(s, URIRef)), key=str)
    ]
    return Skos(concepts, [SkosScheme(str(s), str(graph.value(s, OWL.versionInfo) or "")) for s in schemes])
