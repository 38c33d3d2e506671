"""Controlled vocabularies: concepts with labels per language, alternative labels and broader concepts.

A vocabulary comes from a SKOS file (any thesaurus an organisation uses), from the `iconclass` package, or from
the demo collection's own subject terms (shipped as models/subjects/demo-subjects.ttl). Backends only see
`Vocabulary`, so adding a thesaurus never touches them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote

from verrijk.enrich.loading import once
from verrijk.enrich.text.skos import SkosError, read_skos
from verrijk.folding import fold

ICONCLASS_NS = "http://iconclass.org/"
ICONCLASS_LANGUAGES = ("en", "de", "fr", "it", "pt")
DEMO_NS = "https://w3id.org/verrijk/demo-subjects/"
MODELS_DIR = Path(__file__).parents[5] / "models" / "subjects"
DEMO_TTL = MODELS_DIR / "demo-subjects.ttl"


class VocabularyError(ValueError):
    """A vocabulary file that cannot be read, or holds no concepts; the message names the file."""


@dataclass(frozen=True)
class Concept:
    uri: str
    labels: dict[str, str]  # language ("" when untagged) -> preferred label
    alt_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    broader: tuple[str, ...] = ()
    notation: str | None = None

    def label(self, language: str | None = None) -> str:
        """The preferred label in `language`, else English, else untagged, else any; the notation or URI last."""
        for lang in (language, "en", ""):
            if lang is not None and self.labels.get(lang):
                return self.labels[lang]
        return next(iter(self.labels.values()), None) or self.notation or self.uri

    def all_labels(self) -> Iterator[tuple[str, str, bool]]:
        """(language, label, preferred) for every label."""
        for lang, text in self.labels.items():
            yield lang, text, True
        for lang, texts in self.alt_labels.items():
            for text in texts:
                yield lang, text, False


class Vocabulary:
    """Concepts by URI; `resolver` builds concepts a vocabulary can name but does not list (Iconclass keys)."""

    def __init__(
        self,
        name: str,
        version: str,
        concepts: Iterable[Concept],
        resolver: Callable[[str], Concept | None] | None = None,
    ):
        self.name, self.version = name, version
        self._concepts = {c.uri: c for c in concepts}
        self._resolver = resolver
        self._by_label: dict[str, str] | None = None

    def __len__(self) -> int:
        return len(self._concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self._concepts.values())

    def __contains__(self, uri: object) -> bool:
        return isinstance(uri, str) and self.get(uri) is not None

    def get(self, uri: str) -> Concept | None:
        concept = self._concepts.get(uri)
        if concept is None and self._resolver is not None:
            concept = self._resolver(uri)
        return concept

    def label(self, uri: str, language: str | None = None) -> str:
        concept = self.get(uri)
        return concept.label(language) if concept else uri

    def find(self, label: str) -> str | None:
        """The URI of the concept with this preferred or alternative label (case and accents ignored)."""
        if self._by_label is None:
            self._by_label = {}
            for concept in self:
                for _, text, _ in concept.all_labels():
                    self._by_label.setdefault(fold(text), concept.uri)
        return self._by_label.get(fold(label))


# --- SKOS ------------------------------------------------------------------------------------------------------


def parse_skos(data: str | bytes, fmt: str = "turtle", name: str = "skos", source: str = "<data>") -> Vocabulary:
    """A vocabulary from SKOS text: every concept with its preferred and alternative labels per language."""
    try:
        skos = read_skos(data, fmt, source)
    except SkosError as exc:
        raise VocabularyError(str(exc)) from None
    concepts = [
        Concept(
            c.uri,
            {lang: texts[0] for lang, texts in c.pref_labels.items()},
            {lang: tuple(texts) for lang, texts in c.alt_labels.items()},
            tuple(c.broader),
            next(iter(c.notations), None),
        )
        for c in skos.concepts
    ]
    if not concepts:
        raise VocabularyError(f"{source}: no skos:Concept with a URI found")
    return Vocabulary(name, skos.version or "unversioned", concepts)


def load_skos(path: str | Path, fmt: str | None = None, name: str | None = None) -> Vocabulary:
    """A vocabulary from a SKOS file; the format follows the extension (.ttl, .rdf/.xml, .nt, .jsonld)."""
    path = Path(path)
    if not path.is_file():
        raise VocabularyError(f"{path}: no such SKOS file")
    formats = {".ttl": "turtle", ".rdf": "xml", ".xml": "xml", ".nt": "nt", ".jsonld": "json-ld", ".n3": "n3"}
    fmt = fmt or formats.get(path.suffix.lower(), "turtle")
    return parse_skos(path.read_bytes(), fmt, name or path.stem, str(path))


def to_turtle(vocabulary: Vocabulary, scheme_uri: str, about: dict[str, str]) -> str:
    """SKOS Turtle of a vocabulary; `about` gives the scheme's title, description, licence, source and version."""
    import rdflib
    from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

    graph = rdflib.Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("owl", OWL)
    scheme = rdflib.URIRef(scheme_uri)
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, rdflib.Literal(about["title"], lang="en")))
    graph.add((scheme, DCTERMS.description, rdflib.Literal(about["description"], lang="en")))
    graph.add((scheme, DCTERMS.license, rdflib.URIRef(about["license"])))
    graph.add((scheme, DCTERMS.source, rdflib.URIRef(about["source"])))
    graph.add((scheme, OWL.versionInfo, rdflib.Literal(vocabulary.version)))
    for concept in vocabulary:
        node = rdflib.URIRef(concept.uri)
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, scheme))
        for lang, text, preferred in concept.all_labels():
            graph.add((node, SKOS.prefLabel if preferred else SKOS.altLabel, rdflib.Literal(text, lang=lang or None)))
        for uri in concept.broader:
            graph.add((node, SKOS.broader, rdflib.URIRef(uri)))
        if concept.notation:
            graph.add((node, SKOS.notation, rdflib.Literal(concept.notation)))
    return graph.serialize(format="turtle")


# --- the demo collection's subject terms -------------------------------------------------------------------------


def slug(term: str) -> str:
    """A URI-safe, readable local name: folded words joined by hyphens ("Caraïben (volk)" -> "caraiben-volk")."""
    return re.sub(r"[^a-z0-9]+", "-", fold(term)).strip("-") or "term"


def demo_terms_vocabulary(terms: Iterable[str], version: str) -> Vocabulary:
    """One Dutch concept per distinct term, URI under DEMO_NS; terms whose slugs collide get -2, -3, ..."""
    concepts, seen = [], set()
    for term in sorted(set(terms), key=lambda t: (fold(t), t)):
        base = slug(term)
        local, n = base, 1
        while local in seen:
            n += 1
            local = f"{base}-{n}"
        seen.add(local)
        concepts.append(Concept(DEMO_NS + local, {"nl": term}))
    return Vocabulary("demo-subjects", version, concepts)


@once(maxsize=2)
def demo_vocabulary(path: Path = DEMO_TTL) -> Vocabulary:
    """The demo collection's subject terms, from the shipped SKOS file."""
    return load_skos(path, name="demo-subjects")


# --- Iconclass -------------------------------------------------------------------------------------------------

_KEY_ENTRY = re.compile(r"^[0-9A-Z]+[kmn]\d")  # "25Fk0": texts of keys, not notations


def iconclass_uri(notation: str) -> str:
    """http://iconclass.org/<notation>, spaces and "+" (of keys) percent-encoded as iconclass.org asks."""
    return ICONCLASS_NS + quote(notation, safe="():")


def iconclass_notation(uri: str) -> str | None:
    return unquote(uri[len(ICONCLASS_NS) :]) if uri.startswith(ICONCLASS_NS) else None


@once(maxsize=1)
def iconclass_vocabulary(languages: tuple[str, ...] = ICONCLASS_LANGUAGES) -> Vocabulary:
    """Every Iconclass notation in the `iconclass` package, labels and keywords in its languages (no Dutch).

    Notations with keys ("25I141(+1)") are not listed but resolved on demand. The package's own label lookup
    fetches Wikidata labels for "(wd:Q...)" notations over the network; verrijk never asks it for those.
    """
    import iconclass

    source = iconclass.init().source
    for lang in languages:
        source.load(lang)
    texts, keywords = source.texts, source.keywords

    def make(notation: str, base: str | None = None) -> Concept | None:
        try:
            obj = source.obj(notation)
        except (iconclass.NotationNotFound, KeyError):  # KeyError: a key on a notation that takes none
            return None
        labels: dict[str, str] = {}
        for lang in languages:
            if base is None:
                text = texts[lang].get(notation, "")
            elif "wd:" in notation:
                text = texts[lang].get(obj.get("b", ""), "")
            else:
                text = source.txt(notation, lang)
            if text:
                labels[lang] = text
        alt = {lang: tuple(kw) for lang in languages if (kw := keywords[lang].get(obj.get("b", notation)))}
        path = [p for p in obj.get("p", []) if p != notation and "(...)" not in p]
        broader = (iconclass_uri(path[-1]),) if path else ()
        return Concept(iconclass_uri(notation), labels, alt, broader, notation)

    notations = [n for n in texts[languages[0]] if not _KEY_ENTRY.match(n) and "(...)" not in n]
    concepts = [c for n in notations if (c := make(n))]

    @lru_cache(maxsize=4096)
    def resolve(uri: str) -> Concept | None:
        notation = iconclass_notation(uri)
        return make(notation, base=notation) if notation else None

    return Vocabulary("iconclass", f"iconclass=={iconclass.__version__}", concepts, resolve)
