"""NER backends: a spaCy pipeline, or a transformers token classifier exported to ONNX, from any model directory.

Both give `Mention`s with character offsets into the text and verrijk's entity types (PER, LOC, ORG, MISC, DATE).
spaCy does not score single entities, so its mentions carry the model's measured precision for their type (from
the pipeline's meta); the ONNX backend scores each mention by the mean probability of its type over its words.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from verrijk.config import Settings
from verrijk.enrich.models import active_trained
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
    token-classification`, or training/train_ner_e5.py): model.onnx, tokenizer.json and config.json (id2label;
    optionally max_tokens, the longest window the model was trained on) in one directory.

    Texts longer than a window are cut into consecutive windows; windows of all texts run in length-sorted
    batches. A mention's score is the mean, over its words, of the probability the model gives its type (B- and
    I- together) on the word's first piece, mapped through config.json's ``calibration`` when it has one."""

    def __init__(self, directory: Path, max_tokens: int | None = None, batch_size: int = 16, threads: int = 2):
        import onnxruntime
        from tokenizers import Tokenizer

        missing = [f for f in ("model.onnx", "tokenizer.json", "config.json") if not (directory / f).is_file()]
        if missing:
            raise ModelError(f"{directory} is not an ONNX token-classification model: missing {', '.join(missing)}")
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.labels = {int(i): label for i, label in config["id2label"].items()}
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens or int(config.get("max_tokens", 512)))
        self.pad_id = next((i for t in ("<pad>", "[PAD]") if (i := self.tokenizer.token_to_id(t)) is not None), 0)
        self.batch_size = batch_size
        self.threads = threads
        # optional score calibration: points (raw score -> precision measured on dev data), interpolated linearly
        calibration = config.get("calibration") or {}
        self.calibration = (calibration["scores"], calibration["precision"]) if calibration else None
        # label x label: 1 where both are labels of one entity type (B-X and I-X), to sum a type's probability
        kinds = [self.labels[i].partition("-")[2] for i in range(len(self.labels))]
        self.same_type = np.array([[a == b for b in kinds] for a in kinds], dtype=np.float32)
        # one thread per run: batches run in parallel instead (recognise), which keeps both cores busy without the
        # per-operator synchronisation of intra-op threads (measured: ~half the CPU time of 2 intra-op threads)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(directory / "model.onnx"), options)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.name = f"onnx:{config.get('name_or_path') or config.get('_name_or_path') or directory.name}"
        self.version = str(config.get("verrijk_version") or config.get("transformers_version") or "0")

    def recognise(self, texts: Sequence[str]) -> list[list[Mention]]:
        windows = []  # (text index, encoding)
        for index, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            windows.extend((index, e) for e in (encoding, *encoding.overflowing))
        tags: list[list[tuple[str, float]]] = [[] for _ in windows]
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1].ids))
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        pieces = [[windows[w][1].ids for w in batch] for batch in batches]
        if self.threads > 1 and len(batches) > 1:  # onnxruntime releases the GIL while a batch runs
            with ThreadPoolExecutor(self.threads) as pool:
                tagged = list(pool.map(self._tag, pieces))
        else:
            tagged = [self._tag(batch) for batch in pieces]
        for batch, batch_tags in zip(batches, tagged, strict=True):
            for w, window_tags in zip(batch, batch_tags, strict=True):
                tags[w] = window_tags
        per_text: list[tuple[list, list, list]] = [([], [], []) for _ in texts]
        for (index, encoding), window_tags in zip(windows, tags, strict=True):
            text_tags, offsets, special = per_text[index]
            text_tags.extend(window_tags)
            offsets.extend(encoding.offsets)
            special.extend(encoding.special_tokens_mask)
        mentions = [spans_from_tags(text, *parts) for text, parts in zip(texts, per_text, strict=True)]
        if self.calibration:
            mentions = [[self._calibrated(m) for m in found] for found in mentions]
        return mentions

    def _calibrated(self, mention: Mention) -> Mention:
        return replace(mention, score=round(float(np.interp(mention.score, *self.calibration)), 4))

    def _tag(self, batch: list[list[int]]) -> list[list[tuple[str, float]]]:
        """Piece ids of a batch of windows -> per piece (label, probability of the label's entity type)."""
        width = max(len(ids) for ids in batch)
        ids = np.full((len(batch), width), self.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, piece_ids in enumerate(batch):
            ids[row, : len(piece_ids)] = piece_ids
            mask[row, : len(piece_ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (logits,) = self.session.run(["logits"], {k: v for k, v in feed.items() if k in self.inputs})
        exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs = exp / exp.sum(axis=-1, keepdims=True)
        best = probs.argmax(axis=-1)
        type_probs = np.take_along_axis(probs @ self.same_type, best[..., None], axis=-1)[..., 0]
        return [
            [(self.labels[i], p) for i, p in zip(best[row, :n].tolist(), type_probs[row, :n].tolist(), strict=True)]
            for row, n in enumerate(map(len, batch))
        ]


def spans_from_tags(
    text: str, tags: list[tuple[str, float]], offsets: list[tuple[int, int]], special: list[int]
) -> list[Mention]:
    """Token BIO tags (with probabilities) to character spans. A word's first piece decides: a piece glued to a
    letter or digit that starts with one ("##aar", "dam") follows it and does not count for the score; punctuation
    glued to a word, and a word after glued punctuation ("(Amsterdam"), decide for themselves. An I- without its
    B- starts an entity too."""
    mentions: list[Mention] = []
    current: list = []  # [type, start, end, probabilities]
    previous_end, previous_kind = -1, None

    def close() -> None:
        if current:
            start, end = current[1], current[2]
            mentions.append(Mention(start, end, text[start:end], current[0], round(float(np.mean(current[3])), 4)))
        current.clear()

    for (tag, prob), (start, end), is_special in zip(tags, offsets, special, strict=True):
        piece = text[start:end]
        if is_special or not piece.strip():
            continue
        start += len(piece) - len(piece.lstrip())  # a SentencePiece "▁word" covers the space before it
        if start == previous_end and text[start].isalnum() and text[start - 1].isalnum():  # same word, later piece
            if current and previous_kind == current[0]:
                current[2] = end
            previous_end = end
            continue
        prefix, _, label = tag.partition("-") if "-" in tag else ("O", "", "")
        kind = TYPE_OF_LABEL.get(label) if prefix in ("B", "I") else None
        if current and kind == current[0] and prefix == "I":
            current[2] = end
            current[3].append(prob)
        elif kind:
            close()
            current.extend([kind, start, end, [prob]])
        else:
            close()
        previous_end, previous_kind = end, kind
    close()
    return mentions


def load_recogniser(spec: str, models_dir: Path) -> Recogniser:
    """A configured model: a directory (relative to models_dir, or its active version trained from decisions; or
    absolute; ONNX when it holds model.onnx) or the name of an installed spaCy package."""
    started = time.perf_counter()
    path = Path(spec) if Path(spec).is_absolute() else models_dir / spec
    trained = None if Path(spec).is_absolute() else active_trained(Settings().trained_dir, spec)
    if trained:  # a version trained from review decisions (verrijk train ner) is active
        path = trained[1]
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
