"""Subject suggestion: vocabularies, the lexical / kNN / linear / ensemble backends, metrics, models, enrichers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Item
from verrijk.enrich.registry import REGISTRY, EnricherContext
from verrijk.enrich.text.subjects import (
    Encoder,
    EnsembleBackend,
    FrequencyBackend,
    KnnBackend,
    LexicalBackend,
    LinearBackend,
    VocabularyError,
    demo_vocabulary,
    iconclass_vocabulary,
    parse_skos,
)
from verrijk.enrich.text.subjects.bundle import ModelError, SubjectModel, load_model
from verrijk.enrich.text.subjects.data import LabelledRecord, load_demo_records
from verrijk.enrich.text.subjects.enricher import DemoSubjects, IconclassSubjects
from verrijk.enrich.text.subjects.ensemble import combine, tune_weights
from verrijk.enrich.text.subjects.metrics import f1_at_k, ndcg_at_k, precision_at_1, score_rankings
from verrijk.enrich.text.subjects.vocab import DEMO_NS, MODELS_DIR, iconclass_notation, iconclass_uri
from verrijk.records import record_text

EX = "https://example.org/subject/"
TURTLE = f"""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <{EX}> .
ex:plantage a skos:Concept ; skos:prefLabel "plantage"@nl, "plantation"@en ; skos:notation "P1" .
ex:slavernij a skos:Concept ; skos:prefLabel "slavernij"@nl ; skos:altLabel "slavenhandel"@nl ;
    skos:broader ex:geschiedenis .
ex:geschiedenis a skos:Concept ; skos:prefLabel "geschiedenis"@nl .
ex:sociale-geschiedenis a skos:Concept ; skos:prefLabel "sociale geschiedenis"@nl .
ex:haven a skos:Concept ; skos:prefLabel "haven"@nl .
ex:kaart a skos:Concept ; skos:prefLabel "kaart"@nl .
ex:van skos:prefLabel "van"@nl .
"""


@pytest.fixture(scope="module")
def vocab():
    return parse_skos(TURTLE, name="test")


def hand_encoder(vectors: dict[str, list[float]]) -> Encoder:
    """Texts embedded by a table written by hand, so similarities are known exactly."""
    dim = len(next(iter(vectors.values())))
    return Encoder(lambda texts: np.array([vectors[t] for t in texts], dtype=np.float32), "hand", dim)


# --- vocabularies ------------------------------------------------------------------------------------------------


def test_skos_turtle_gives_concepts_with_labels_per_language(vocab):
    slavernij = vocab.get(EX + "slavernij")
    assert len(vocab) == 7
    assert slavernij.alt_labels == {"nl": ("slavenhandel",)} and slavernij.broader == (EX + "geschiedenis",)
    assert vocab.get(EX + "plantage").notation == "P1"
    assert vocab.label(EX + "plantage", "en") == "plantation" and vocab.label(EX + "plantage", "fr") == "plantation"
    assert vocab.label(EX + "haven", "en") == "haven"  # no English label: the only one there is
    assert vocab.find("Slavenhandel") == EX + "slavernij" and vocab.find("onbekend") is None


def test_unreadable_or_empty_skos_is_named():
    with pytest.raises(VocabularyError, match="thesaurus.ttl: not valid turtle"):
        parse_skos("ex:a skos:prefLabel", source="thesaurus.ttl")
    with pytest.raises(VocabularyError, match="no skos:Concept"):
        parse_skos("@prefix ex: <https://e.org/> . ex:a ex:b ex:c .")


def test_the_shipped_demo_vocabulary_is_dutch_and_cc0():
    vocabulary = demo_vocabulary()
    assert len(vocabulary) == 192
    assert vocabulary.find("overzeese geschiedenis") == DEMO_NS + "overzeese-geschiedenis"
    assert vocabulary.label(DEMO_NS + "caraiben-volk") == "Caraïben (volk)"
    text = (MODELS_DIR / "demo-subjects.ttl").read_text(encoding="utf-8")
    assert "creativecommons.org/publicdomain/zero/1.0" in text and "Rijksmuseum" in text


def test_iconclass_notations_become_uris_and_keep_their_brackets():
    assert iconclass_uri("11H(JEROME)") == "http://iconclass.org/11H(JEROME)"
    assert iconclass_uri("11D123(GREEK CROSS)") == "http://iconclass.org/11D123(GREEK%20CROSS)"
    assert iconclass_uri("25I141(+1)") == "http://iconclass.org/25I141(%2B1)"
    assert iconclass_notation(iconclass_uri("25I141(+1)")) == "25I141(+1)"


def test_iconclass_resolves_keyed_notations_and_refuses_unknown_ones():
    vocabulary = iconclass_vocabulary()
    street = vocabulary.get(iconclass_uri("25I141(+1)"))  # keys are not listed, but resolved
    assert street.label("de").startswith("Straße (+ Stadt") and street.broader == (iconclass_uri("25I141"),)
    assert vocabulary.get(iconclass_uri("0(+1)")) is None and iconclass_uri("ZZZ") not in vocabulary
    assert vocabulary.get(iconclass_uri("25F711(BUTTERFLY)")).alt_labels["fr"][:2] == ("libellule", "papillon")


# --- lexical -----------------------------------------------------------------------------------------------------


def test_lexical_finds_inflected_and_compound_dutch_labels(vocab):
    lexical = LexicalBackend(vocab)
    candidates = lexical.candidates(
        "Twee plantages en de koffiehaven, over de sociale geschiedenis van de slavenhandel"
    )
    found = {lexical.uris[i]: c for i, c in candidates.items()}
    assert set(found) == {EX + "plantage", EX + "haven", EX + "sociale-geschiedenis", EX + "slavernij"}
    assert not found[EX + "plantage"].compound_only and found[EX + "haven"].compound_only  # "koffiehaven"
    assert not found[EX + "slavernij"].preferred  # through its alternative label
    # the longer label wins at a position, and a stop word is never a concept on its own
    assert EX + "geschiedenis" not in found and EX + "van" not in found
    (ranked,) = lexical.suggest(["De plantage. Later een haven bij de plantage."], limit=5)
    assert [s.uri for s in ranked] == [EX + "plantage", EX + "haven"] and all(0 < s.score < 1 for s in ranked)


def test_lexical_training_learns_which_matches_are_right(vocab):
    texts = ["Een kaart van de haven"] * 6 + ["Kaart van de plantage"] * 6
    golds = [[EX + "haven"]] * 6 + [[EX + "plantage"]] * 6
    lexical = LexicalBackend(vocab).fit(texts, golds)
    (scores,) = lexical.scores(["Kaart van de haven"])
    assert scores[EX + "haven"] > 0.5 > scores[EX + "kaart"]  # "kaart" always matched, never right
    assert lexical.priors.matched[lexical.uris.index(EX + "kaart")] == 12


# --- trained ------------------------------------------------------------------------------------------------------


def test_knn_votes_for_the_subjects_of_similar_records_weighted_by_similarity(vocab):
    encoder = hand_encoder({"a": [1, 0], "ab": [0.8, 0.6], "c": [0, 1], "query": [1, 0], "unlabelled": [1, 0]})
    knn = KnnBackend(
        vocab,
        encoder,
        encoder(["a", "ab", "c", "unlabelled"]),
        [[EX + "haven"], [EX + "haven", EX + "kaart"], [EX + "plantage"], []],
        k=3,
        power=1.0,
    )
    (scores,) = knn.scores(["query"])
    # similarities 1.0, 0.8 and 0.0: haven (1 + 0.8) / 1.8, kaart 0.8 / 1.8, plantage no vote
    assert scores == pytest.approx({EX + "haven": 1.0, EX + "kaart": 0.8 / 1.8})
    assert len(knn.vectors) == 3  # the record without subjects is not a neighbour


def test_linear_one_vs_rest_separates_a_toy_problem(vocab):
    encoder = hand_encoder({"left": [1, 0], "right": [0, 1]})
    vectors = np.array([[1, 0.1], [0.9, -0.1], [0.1, 1], [-0.1, 0.9]], dtype=np.float32)
    labels = [[EX + "haven"], [EX + "haven"], [EX + "kaart"], [EX + "kaart"]]
    linear = LinearBackend.fit(vocab, encoder, vectors, labels, epochs=300, learning_rate=0.1)
    left, right = linear.scores(["left", "right"])
    assert left[EX + "haven"] > 0.8 and left.get(EX + "kaart", 0) < 0.2
    assert right[EX + "kaart"] > 0.8 and right.get(EX + "haven", 0) < 0.2


def test_ensemble_is_the_weighted_average_of_its_members(vocab):
    first = FrequencyBackend(vocab, {EX + "haven": 1.0, EX + "kaart": 0.5})
    second = FrequencyBackend(vocab, {EX + "kaart": 1.0})
    assert combine([first.frequencies, second.frequencies], [3, 1]) == {EX + "haven": 0.75, EX + "kaart": 0.625}
    ensemble = EnsembleBackend([first, second], [0.25, 0.75])
    (ranked,) = ensemble.suggest(["any text"], limit=1)
    assert ranked[0].uri == EX + "kaart" and ranked[0].score == pytest.approx(0.875)
    assert "frequency-1:0.25" in ensemble.version
    with pytest.raises(ValueError, match="non-negative weights"):
        EnsembleBackend([first], [0.0])


def test_a_member_weighted_zero_is_never_run(vocab):
    lexical = LexicalBackend(vocab)
    EnsembleBackend([lexical, FrequencyBackend(vocab, {EX + "kaart": 1.0})], [0.0, 1.0]).scores(["de haven"])
    assert lexical._indexes == {}


def test_tuning_finds_the_weights_that_serve_the_objective():
    good = [{"a": 1.0, "b": 0.2}, {"c": 0.9}]
    bad = [{"b": 1.0}, {"d": 1.0}]
    golds = [["a"], ["c"]]

    def hits_at_1(rows):
        return sum(precision_at_1(sorted(s, key=s.get, reverse=True), g) for s, g in zip(rows, golds, strict=True))

    weights, value = tune_weights([good, bad], hits_at_1)
    assert value == 2 and weights[0] > weights[1]


# --- metrics -----------------------------------------------------------------------------------------------------


def test_f1_at_5_and_ndcg_at_5_by_hand():
    ranked, gold = ["a", "b", "c", "d", "e", "f"], {"a", "c", "x"}
    # precision 2/5, recall 2/3 -> F1 0.5; DCG 1 + 1/log2(4) over ideal 1 + 1/log2(3) + 1/log2(4)
    assert f1_at_k(ranked, gold, 5) == pytest.approx(0.5)
    assert ndcg_at_k(ranked, gold, 5) == pytest.approx(1.5 / (1.5 + 1 / math.log2(3)))
    assert f1_at_k(["a"], {"a", "b"}) == pytest.approx(2 / 3)  # one suggestion: precision 1, recall 1/2
    assert ndcg_at_k(["b", "a"], {"a"}) == pytest.approx(1 / math.log2(3))
    assert f1_at_k([], {"a"}) == 0 and precision_at_1(["b", "a"], {"a"}) == 0
    summary = score_rankings([["a"], ["z"], ["q"]], [["a"], ["y"], []])
    assert summary == {"f1@5": 0.5, "ndcg@5": 0.5, "precision@1": 0.5, "documents": 2}
    with pytest.raises(ValueError, match="no document has a gold concept"):
        score_rankings([["a"]], [[]])


# --- data, models, enrichers -------------------------------------------------------------------------------------


def test_record_text_and_splits_keep_identical_texts_together():
    assert record_text("Portret", "Portret van een man.") == "Portret van een man."
    assert record_text("Haven", "Gezicht op de haven.") == "Haven. Gezicht op de haven."
    twins = [LabelledRecord(str(i), "Gezicht op de haven.", (), ()) for i in range(2)]
    assert twins[0].split == twins[1].split
    assert {LabelledRecord("x", f"tekst {i}", (), ()).split for i in range(60)} == {"train", "dev", "test"}


def test_a_saved_model_loads_back_and_refuses_another_embedder(vocab, tmp_path):
    encoder = hand_encoder({"a": [1, 0], "b": [0, 1], "de haven": [0.9, 0.1]})
    texts, labels = ["a", "b"], [[EX + "haven"], [EX + "kaart"]]
    vectors = encoder(texts)
    model = SubjectModel(
        vocab,
        LexicalBackend(vocab).fit(texts, labels),
        KnnBackend(vocab, encoder, vectors, labels, k=2, power=1.0),
        LinearBackend.fit(vocab, encoder, vectors, labels, min_count=1, epochs=50),
        {"lexical": 0.2, "knn": 0.5, "linear": 0.3},
        {"ensemble": 0.1},
    )
    model.save(tmp_path, "test")
    loaded = load_model("test", vocab, encoder, tmp_path)
    (before,), (after,) = model.ensemble().scores(["de haven"]), loaded.ensemble().scores(["de haven"])
    assert after == pytest.approx(before, abs=1e-3) and loaded.thresholds == {"ensemble": 0.1}
    other = Encoder(encoder._embed, "another-model", 2)
    with pytest.raises(ModelError, match="written for {'embedder': 'hand'}"):
        load_model("test", vocab, other, tmp_path)


def test_the_shipped_demo_enricher_suggests_subject_concepts_with_provenance():
    enricher = REGISTRY.get("subjects.demo").build({}, EnricherContext(None, Settings()))
    assert isinstance(enricher, DemoSubjects) and enricher._model is None  # nothing loaded until used
    items = [
        Item(1, "title", "text", text="Suikerfabriek op plantage Mariënburg", language="nl"),
        Item(1, "description", "text", text="De suikerfabriek van plantage Mariënburg. Arbeiders bij de molen."),
        Item(1, "subject.0", "text", text="Suikerindustrie"),
        Item(2, "description", "text", text="Bauxietmijn in Moengo, arbeiders bij de graafmachine.", language="nl"),
    ]
    title, description, subject, bauxite = enricher.enrich(items)
    assert description == [] and subject == [] and title and bauxite  # one list per record, on its first text
    vocabulary = demo_vocabulary()
    for p in title + bauxite:
        assert p.kind == SuggestionKind.subject and p.authority_uri in vocabulary
        assert p.label == vocabulary.label(p.authority_uri, "nl") and 0 < p.score <= 1
        assert set(p.extra["backends"]) == {"lexical", "knn", "linear"}
    assert len(title) <= 5 and DEMO_NS + "suikerindustrie" not in {p.authority_uri for p in title}  # already there
    assert DEMO_NS + "bauxietwinning" in {p.authority_uri for p in bauxite}
    assert [p.score for p in title] == sorted((p.score for p in title), reverse=True)
    assert enricher.version.endswith("demo-subjects-model-1") and "knn-1" in enricher.version


def test_iconclass_labels_follow_the_record_language():
    enricher = IconclassSubjects(Settings().models_dir)
    (french,) = enricher.enrich([Item(1, "title", "text", text="Rups en vlinder op een tak", language="fr")])
    assert french and french[0].authority_uri == "http://iconclass.org/25F711(BUTTERFLY)"
    assert french[0].label == "insectes : papillon" and french[0].extra["notation"] == "25F711(BUTTERFLY)"
    # Iconclass has no Dutch: a Dutch record gets the English label
    assert enricher.model.vocabulary.label(french[0].authority_uri, "nl") == "insects: butterfly"


# Measured on every sixth distinct test-split text (the shipped models were fitted on train + dev only):
#   demo       66 records: F1@5 0.89, precision@1 0.94; most-frequent-subjects baseline 0.45 / 0.82
#   iconclass  68 records: F1@5 0.43, precision@1 0.47; baseline 0.06 / 0.10 (39,479 concepts: chance is ~0)
# The floors sit well under the measured figures, so retraining may move them, yet far over the baseline (and
# chance): a model that stopped reading the text, or suggested wrong concepts, fails. On demo the most frequent
# subject alone is right first 82% of the time, so there F1@5 is the figure that tells a model from the baseline.
FLOORS = {"subjects.demo": {"f1@5": 0.7, "precision@1": 0.8}, "subjects.iconclass": {"f1@5": 0.25, "precision@1": 0.3}}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_shipped_models_suggest_the_right_subjects_for_held_out_records(name):
    enricher = REGISTRY.get(name).build({}, EnricherContext(None, Settings()))
    vocabulary = enricher.model.vocabulary
    distinct = {r.text: r for r in load_demo_records() if r.split == "test" and r.gold(vocabulary)}
    records = list(distinct.values())[::6]
    assert 60 <= len(records) <= 70
    items = [Item(i, "description", "text", text=r.text, language="nl") for i, r in enumerate(records)]
    rankings = [[p.authority_uri for p in proposals] for proposals in enricher.enrich(items)]
    measured = score_rankings(rankings, [r.gold(vocabulary) for r in records])
    assert measured["documents"] == len(records)
    for metric, floor in FLOORS[name].items():
        assert measured[metric] >= floor, (metric, measured)
