"""Reads CoNLL/BIO named-entity files into sentences with IOB2 tags.

The corpora we train and evaluate on disagree on details: CoNLL-2002 has three columns and ``-DOCSTART-``
lines, the Europeana newspaper set is IOB1-like (spans may open with ``I-``), the VOC set has labels with no
CoNLL equivalent. One reader that normalises all of them to strict IOB2 with a chosen label set lets the
scorer stay strict (seqeval's IOB2 mode) without punishing a file for its tagging dialect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from verrijk.errors import BadInput

LabelMap = Mapping[str, str | None]
"""Entity type -> new type; ``None`` (or "") drops the type (its tokens become ``O``). Unlisted types are kept."""


class ConllError(BadInput):
    """A CoNLL file that cannot be read; the message names the file and line."""


@dataclass
class Sentence:
    """One sentence (or text segment): its tokens and their IOB2 tags, always of equal length."""

    words: list[str]
    tags: list[str]
    doc_start: bool = field(default=False)  # a -DOCSTART- line preceded it: first sentence of a document

    def __post_init__(self) -> None:
        if len(self.words) != len(self.tags):
            raise ValueError(f"{len(self.words)} words but {len(self.tags)} tags")

    def spans(self) -> list[tuple[int, int, str]]:
        """Entity spans as (start, end exclusive, type) token offsets."""
        return tags_to_spans(self.tags)


def split_tag(tag: str) -> tuple[str, str | None]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"O"`` -> ``("O", None)``. Raises ValueError on anything else."""
    if tag == "O":
        return "O", None
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not label:
        raise ValueError(f"tag {tag!r} is not O, B-TYPE or I-TYPE")
    return prefix, label


def normalise_tags(tags: Iterable[str], label_map: LabelMap | None = None) -> list[str]:
    """Maps entity types, then rewrites IOB1 (or sloppy IOB2) into strict IOB2.

    Mapping happens first so that a dropped span leaves no orphan ``I-`` and a following span of the same new
    type still starts with ``B-``. A span opens with ``B-`` whenever the previous token is not inside an entity
    of the same type; an explicit ``B-`` (IOB1's marker between two adjacent entities) is kept.
    """
    out: list[str] = []
    previous: str | None = None
    for tag in tags:
        prefix, label = split_tag(tag)
        if label is not None and label_map is not None and label in label_map:
            label = label_map[label] or None
        if label is None:
            out.append("O")
        elif prefix == "B" or previous != label:
            out.append(f"B-{label}")
        else:
            out.append(f"I-{label}")
        previous = label
    return out


def tags_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Entity spans of a strict IOB2 tag sequence as (start, end exclusive, type)."""
    spans: list[tuple[int, int, str]] = []
    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag)
        if prefix == "B" or (prefix == "I" and (not spans or spans[-1][1] != i or spans[-1][2] != label)):
            spans.append((i, i + 1, label or ""))
        elif prefix == "I":
            start, _, _ = spans[-1]
            spans[-1] = (start, i + 1, label or "")
    return spans


def spans_to_tags(length: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """IOB2 tags for ``length`` tokens from non-overlapping (start, end exclusive, type) spans."""
    tags = ["O"] * length
    for start, end, label in spans:
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def parse_conll(lines: Iterable[str], label_map: LabelMap | None = None, source: str = "<text>") -> list[Sentence]:
    """Sentences from CoNLL lines: ``token [other columns ...] tag``; a blank line ends a sentence.

    ``-DOCSTART-`` lines are skipped (the next sentence is flagged ``doc_start``); CoNLL-2002 puts one at the
    head of a sentence rather than alone, so it may end no sentence. Tags are normalised to IOB2 with
    ``label_map`` applied. A line with a single column or a malformed tag raises ConllError naming the line.
    """
    sentences: list[Sentence] = []
    words: list[str] = []
    raw: list[str] = []
    doc_start = False
    first_line = 0

    def flush() -> None:
        nonlocal words, raw, doc_start
        if words:
            try:
                sentences.append(Sentence(words, normalise_tags(raw, label_map), doc_start))
            except ValueError as exc:
                raise ConllError(f"{source}: sentence starting at line {first_line}: {exc}") from None
            doc_start = False
        words, raw = [], []

    for number, line in enumerate(lines, start=1):
        columns = line.split()
        if not columns:
            flush()
            continue
        if columns[0] == "-DOCSTART-":
            flush()
            doc_start = True
            continue
        if len(columns) < 2:
            raise ConllError(f"{source}:{number}: expected 'token ... tag', got {line.strip()!r}")
        try:
            split_tag(columns[-1])
        except ValueError as exc:
            raise ConllError(f"{source}:{number}: {exc}") from None
        if not words:
            first_line = number
        words.append(columns[0])
        raw.append(columns[-1])
    flush()
    return sentences


def read_conll(path: str | Path, label_map: LabelMap | None = None) -> list[Sentence]:
    """Reads a UTF-8 CoNLL/BIO file (see parse_conll). A missing or undecodable file raises ConllError."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return parse_conll(handle, label_map, source=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConllError(f"{path}: cannot read: {exc}") from None
