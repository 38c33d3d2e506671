"""Reads HIPE-2022 TSV files (historical newspapers with entities and Wikidata links) into sentences.

HIPE's columns are named in a header; the coarse literal column gives the entities, NEL-LIT their Wikidata
QIDs (or NIL), MISC marks sentence ends. Its types (pers/loc/org/prod/time, or PER/LOC/ORG/HumanProd) become
verrijk's PER/LOC/ORG/MISC; time expressions are dropped, since the CoNLL-style models do not tag them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from verrijk.enrich.text.ner.conll import ConllError, Sentence, normalise_tags

HIPE_TYPES = {
    "pers": "PER",
    "PER": "PER",
    "loc": "LOC",
    "LOC": "LOC",
    "org": "ORG",
    "ORG": "ORG",
    "prod": "MISC",
    "HumanProd": "MISC",
    "time": None,
}


@dataclass
class HipeSentence(Sentence):
    links: list[str] = field(default_factory=list)  # per token: a Wikidata QID, "NIL", or "_"


def is_hipe(path: Path) -> bool:
    with path.open(encoding="utf-8") as fh:
        return fh.readline().startswith("TOKEN\t")


def read_hipe(path: Path) -> list[HipeSentence]:
    sentences: list[HipeSentence] = []
    words: list[str] = []
    tags: list[str] = []
    links: list[str] = []

    def close() -> None:
        if words:
            sentences.append(HipeSentence(list(words), normalise_tags(tags, HIPE_TYPES), links=list(links)))
        words.clear(), tags.clear(), links.clear()

    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        try:
            token, tag, link, misc = (header.index(c) for c in ("TOKEN", "NE-COARSE-LIT", "NEL-LIT", "MISC"))
        except ValueError as exc:
            raise ConllError(f"{path}:1: not a HIPE TSV header ({exc})") from exc
        for number, line in enumerate(fh, start=2):
            line = line.rstrip("\n")
            if line.startswith("# hipe2022:document_id"):
                close()
            if not line or line.startswith("#"):
                continue
            columns = line.split("\t")
            if len(columns) != len(header):
                raise ConllError(f"{path}:{number}: {len(columns)} columns, the header has {len(header)}")
            words.append(columns[token])
            tags.append(columns[tag])
            links.append(columns[link])
            if "EndOfSentence" in columns[misc]:
                close()
    close()
    return sentences
