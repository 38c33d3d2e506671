"""The demo collection as labelled training data: record text and its subject terms and Iconclass codes.

The text is what the enricher reads at run time (the first title, then the description), and the split is
deterministic and by text, so records with identical text (photo series) never sit on both sides.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from verrijk.enrich.text.subjects.vocab import Vocabulary, iconclass_uri
from verrijk.records import record_text

SUBJECT_COLUMNS = ("inhoud.hoofdmotief.algemeen", "inhoud.onderwerp")
ICONCLASS_COLUMN = "inhoud.classificatie.code"
SPLITS = {"test": (0, 1), "dev": (2,), "train": (3, 4, 5, 6, 7, 8, 9)}  # text hash mod 10


@dataclass(frozen=True)
class LabelledRecord:
    source_id: str
    text: str
    subjects: tuple[str, ...]  # demo subject terms, as written
    iconclass: tuple[str, ...]  # notations

    @property
    def split(self) -> str:
        bucket = int(hashlib.sha1(self.text.encode()).hexdigest(), 16) % 10
        return next(name for name, buckets in SPLITS.items() if bucket in buckets)

    def gold(self, vocabulary: Vocabulary) -> list[str]:
        """The record's concept URIs in Iconclass, or in a vocabulary of subject terms (matched by label)."""
        if vocabulary.name == "iconclass":
            return [iconclass_uri(n) for n in self.iconclass]
        return list(dict.fromkeys(uri for t in self.subjects if (uri := vocabulary.find(t))))


def _values(cell: str) -> list[str]:
    return [v.strip() for v in (cell or "").split("$") if v.strip()]


def load_demo_records(path: Path | None = None) -> list[LabelledRecord]:
    """All 3,668 demo records; titles beyond the first are ignored, as ingest keeps only the first."""
    if path is None:
        from verrijk.demo import COLLECTION_CSV  # imported here: verrijk.demo pulls in the ingest machinery

        path = COLLECTION_CSV
    records = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            titles = _values(row["titel"])
            subjects = [t for column in SUBJECT_COLUMNS for t in _values(row[column])]
            records.append(
                LabelledRecord(
                    row["objectnummer"],
                    record_text(titles[0] if titles else "", row["beschrijving"]),
                    tuple(dict.fromkeys(subjects)),
                    tuple(dict.fromkeys(_values(row[ICONCLASS_COLUMN]))),
                )
            )
    return records
