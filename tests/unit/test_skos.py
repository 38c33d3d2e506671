"""The one SKOS reader: what it reads of a thesaurus, and that authorities and subject vocabularies agree on it."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from verrijk.enrich.text.linking.loaders import load
from verrijk.enrich.text.skos import SkosError, read_skos
from verrijk.enrich.text.subjects import load_skos

THESAURUS = FIXTURES / "authorities" / "thesaurus.ttl"
EX = "https://example.org/objecttypes/"


def test_reads_labels_per_kind_and_language_notation_broader_notes_and_schemes():
    skos = read_skos(THESAURUS.read_text(), "turtle", str(THESAURUS))
    concepts = {c.uri: c for c in skos.concepts}
    assert sorted(concepts) == [EX + "ets", EX + "foto", EX + "prent", EX + "schilderij"]  # the scheme is none
    prent = concepts[EX + "prent"]
    assert prent.pref_labels == {"en": ["print"], "fr": ["estampe"], "nl": ["prent"]}
    assert prent.alt_labels == {"nl": ["grafiek"]} and prent.hidden_labels == {"nl": ["prnt"]}
    assert prent.notations == ["OT-1"] and concepts[EX + "ets"].broader == [EX + "prent"]
    assert prent.scope_notes == {"en": ["Impression on paper."], "nl": ["Afdruk van een drukvorm op papier."]}
    assert [s.uri for s in skos.schemes] == [EX + "scheme"] and skos.version == ""


def test_authorities_and_subject_vocabularies_read_the_same_concepts():
    entries = {e.uri: e for e in load(THESAURUS)}
    vocabulary = load_skos(THESAURUS)
    assert {c.uri for c in vocabulary} == set(entries)
    assert vocabulary.get(EX + "prent").labels == {"en": "print", "fr": "estampe", "nl": "prent"}
    assert vocabulary.get(EX + "prent").notation == entries[EX + "prent"].properties["notation"]


def test_unparsable_text_names_source_and_format():
    with pytest.raises(SkosError, match=r"^x\.ttl: not valid turtle: "):
        read_skos('<a> <b> "unclosed', "turtle", "x.ttl")
