"""NER evaluation: the CoNLL reader's normalisation, seqeval scoring on hand-counted cases, the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from verrijk.enrich.text.ner.conll import ConllError, normalise_tags, parse_conll, read_conll
from verrijk.enrich.text.ner.evaluate import evaluate_ner

MODEL = Path(__file__).resolve().parents[2] / "models" / "ner-nl"

GOLD = """-DOCSTART- -DOCSTART- O
Jan N B-PER
Peeters N I-PER
woont V O
in Prep O
Gent N B-LOC
. Punc O

De Art O
Vlaamse Adj B-MISC
regering N O
en Conj O
KBC N B-ORG
Bank N I-ORG
. Punc O
"""

# 5 predicted entities, 2 right (Jan Peeters, Vlaamse): Gent has the wrong type, KBC the wrong end, De is extra.
PREDICTED = {
    "Jan": ["B-PER", "I-PER", "O", "O", "B-ORG", "O"],
    "De": ["B-LOC", "B-MISC", "O", "O", "B-ORG", "O", "O"],
}


def test_reader_skips_docstart_keeps_token_and_last_column():
    sentences = parse_conll(GOLD.splitlines())
    assert [s.words[:2] for s in sentences] == [["Jan", "Peeters"], ["De", "Vlaamse"]]
    assert sentences[0].doc_start and not sentences[1].doc_start
    assert sentences[0].tags == ["B-PER", "I-PER", "O", "O", "B-LOC", "O"]
    assert sentences[1].spans() == [(1, 2, "MISC"), (4, 6, "ORG")]


def test_iob1_becomes_iob2_and_adjacent_entities_stay_apart():
    assert normalise_tags(["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]) == [
        "B-PER",
        "I-PER",
        "B-PER",
        "O",
        "B-LOC",
        "B-ORG",
    ]


def test_label_map_renames_and_drops_before_normalising():
    tags = ["B-SHP", "I-SHP", "I-LOCderiv", "O", "B-LOC"]
    mapped = normalise_tags(tags, {"SHP": None, "LOCderiv": "MISC"})
    assert mapped == ["O", "O", "B-MISC", "O", "B-LOC"]  # the orphan I- after a dropped span opens a new one


def test_read_conll_file_and_errors_name_file_and_line(tmp_path):
    good = tmp_path / "good.bio"
    good.write_text("Antwerpen I-LOC\nis O\n\nmooi O\n", encoding="utf-8")
    assert [s.tags for s in read_conll(good)] == [["B-LOC", "O"], ["O"]]
    bad = tmp_path / "bad.bio"
    bad.write_text("Antwerpen B-LOC\nis X-LOC\n", encoding="utf-8")
    with pytest.raises(ConllError, match=r"bad\.bio:2: tag 'X-LOC'"):
        read_conll(bad)
    with pytest.raises(ConllError, match=r"lonely\.bio:1: expected 'token \.\.\. tag'"):
        parse_conll(["lonely"], source="lonely.bio")
    with pytest.raises(ConllError, match="cannot read"):
        read_conll(tmp_path / "missing.bio")


def test_scores_match_hand_counts():
    result = evaluate_ner(lambda words: PREDICTED[words[0]], parse_conll(GOLD.splitlines()))
    assert result["overall"] == {"precision": 0.4, "recall": 0.5, "f1": 0.4444, "support": 4}
    assert result["per_type"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert result["per_type"]["MISC"]["f1"] == 1.0
    assert result["per_type"]["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert result["per_type"]["LOC"]["support"] == 1 and result["per_type"]["LOC"]["f1"] == 0.0
    assert (result["sentences"], result["tokens"]) == (2, 13)
    assert result["words_per_second"] > 0


def test_label_map_lets_another_label_set_be_scored():
    sentences = parse_conll(["Gent B-LOC", "ligt O"])
    renamed = evaluate_ner(lambda words: ["B-GPE", "O"], sentences, {"GPE": "LOC"})
    assert renamed["overall"]["f1"] == 1.0
    assert evaluate_ner(lambda words: ["B-GPE", "O"], sentences)["overall"]["f1"] == 0.0


def test_a_spacy_pipeline_runs_on_the_gold_tokens():
    nlp = spacy.blank("nl")
    ruler = nlp.add_pipe("entity_ruler")
    # "Gent." as one token only matches if the evaluator keeps the gold tokenisation (spaCy's would split it)
    ruler.add_patterns(
        [
            {"label": "PER", "pattern": [{"ORTH": "Jan"}, {"ORTH": "Peeters"}]},
            {"label": "LOC", "pattern": [{"ORTH": "Gent."}]},
        ]
    )
    sentences = parse_conll(["Jan B-PER", "Peeters I-PER", "in O", "Gent. B-LOC", "", "Piet B-PER"])
    result = evaluate_ner(nlp, sentences)
    assert result["overall"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "support": 3}
    assert result["tokens"] == 5


def test_evaluate_rejects_things_that_are_not_recognisers():
    with pytest.raises(TypeError):
        evaluate_ner("nl_core", parse_conll(["Gent B-LOC"]))


def test_shipped_model_finds_a_person_and_a_place():
    assert (MODEL / "meta.json").exists(), "models/ner-nl is a committed artifact"
    nlp = spacy.load(MODEL)
    assert nlp.meta["name"] == "verrijk_ner_nl"
    doc = nlp("Burgemeester Jan Peeters opende gisteren in Antwerpen een nieuwe bibliotheek.")
    found = {(e.text, e.label_) for e in doc.ents}
    assert ("Jan Peeters", "PER") in found
    assert ("Antwerpen", "LOC") in found
