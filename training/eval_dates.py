"""Measures dates.edtf on the hand-labelled date phrasings (tests/fixtures/dates/phrasings.tsv): real date phrases
from the demo records and other open collections, each with the EDTF value a person wrote down.

Reports accuracy (the EDTF string equals the label; "no date" counts when both are empty), accuracy per source,
how many values the `edtf` package (the Library of Congress grammar) refuses, the phrases read wrong, and a check
over the date field of all 3,668 demo records as ingested; writes
models/dates.edtf/metrics.json. Run: PYTHONPATH=src python training/eval_dates.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from edtf import parse_edtf

from verrijk.demo import COLLECTION_CSV, COLLECTION_MAPPING
from verrijk.enrich.text.dates import parse_date
from verrijk.ingest.base import Mapping, validate
from verrijk.ingest.tabular import read_csv

ROOT = Path(__file__).parents[1]
PHRASINGS = ROOT / "tests" / "fixtures" / "dates" / "phrasings.tsv"
OUT = ROOT / "models" / "dates.edtf" / "metrics.json"


def demo_date_field() -> dict:
    """Every demo record's date as ingest writes it ("1903 – 1910", "1802-05-14"): read back to the ISO dates it
    joins (a mechanical label), with the years ingest derived; and how many records would get a suggestion."""
    records = right = years_agree = suggested = 0
    for item in read_csv(COLLECTION_CSV.read_bytes(), COLLECTION_CSV.name, Mapping.load(COLLECTION_MAPPING)):
        fields = validate(item)
        date, records = fields["date"], records + 1
        label = date.replace(" – ", "/") if date and "$" not in date else ""  # "1973$1978" is two dates, not one
        read = parse_date(date)
        right += (read.edtf if read else "") == label
        years_agree += read is None or (read.year_from, read.year_to) == (fields["date_from"], fields["date_to"])
        suggested += read is not None and read.edtf != date
    return {
        "records": records,
        "accuracy": round(right / records, 4),
        "years_agree_with_ingest": round(years_agree / records, 4),
        "records_suggested": suggested,
    }


def main() -> None:
    rows = [
        line.split("\t")
        for line in PHRASINGS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong, invalid = [], 0
    started = time.perf_counter()
    read = [parse_date(phrase) for phrase, _, _ in rows]
    seconds = time.perf_counter() - started
    for (phrase, label, source), date in zip(rows, read, strict=True):
        got = date.edtf if date else ""
        per_source[source][0] += got == label
        per_source[source][1] += 1
        if got != label:
            wrong.append({"phrase": phrase, "label": label, "read": got})
        if got:
            try:
                parse_edtf(got)
            except Exception:  # the package raises its own EDTFParseException and, for some inputs, others
                invalid += 1
    right = sum(r for r, _ in per_source.values())
    metrics = {
        "evaluation": "hand-labelled date phrasings from open collections (tests/fixtures/dates/phrasings.tsv)",
        "phrasings": len(rows),
        "accuracy": round(right / len(rows), 4),
        "by_source": {s: {"phrasings": n, "accuracy": round(r / n, 4)} for s, (r, n) in sorted(per_source.items())},
        "invalid_edtf": invalid,
        "wrong": wrong,
        "phrasings_per_second": round(len(rows) / seconds),
        "demo_date_field": demo_date_field(),
        "command": "PYTHONPATH=src python training/eval_dates.py",
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    json.dump(metrics, sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
