"""CSV/TSV and JSON Lines input: rows through a column mapping into source items."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from verrijk.ingest.base import IngestError, Mapping, SourceItem, decode_text


def read_csv(data: bytes, name: str, mapping: Mapping | None, encoding: str = "utf-8") -> Iterator[SourceItem]:
    text = decode_text(data, encoding)
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if name.endswith(".tsv") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    if not columns:
        raise IngestError(f"{name}: the file is empty or has no header row")
    reader.fieldnames = columns
    if mapping is None:
        if "source_id" not in columns:
            raise IngestError(
                f"{name}: no column is named source_id and no mapping was given; pass a mapping "
                f"(field,column,separator,default) that says which column identifies a record"
            )
        mapping = Mapping.identity(columns)
    mapping.check_columns(columns, name)
    for row in reader:
        raw = {k: v for k, v in row.items() if isinstance(k, str) and v not in (None, "")}
        location = f"{name}:line {reader.line_num}"
        if None in row:
            yield SourceItem(
                location,
                raw=raw,
                problem=("", f"has {len(columns) + len(row[None])} cells; the header has {len(columns)}"),
            )
            continue
        yield SourceItem(location, mapping.apply(row), raw=raw)


def read_jsonl(data: bytes, name: str, mapping: Mapping | None, encoding: str = "utf-8") -> Iterator[SourceItem]:
    text = decode_text(data, encoding)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        location = f"{name}:line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield SourceItem(location, problem=("", f"is not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(obj, dict):
            yield SourceItem(location, problem=("", "is not a JSON object"))
            continue
        rule_set = mapping or Mapping.identity(list(obj))
        fields = rule_set.apply(obj)
        if "media" in obj and not mapping and isinstance(obj["media"], list):
            fields["media"] = [m if isinstance(m, str) else m.get("url", "") for m in obj["media"]]
        yield SourceItem(location, fields, raw=obj)
