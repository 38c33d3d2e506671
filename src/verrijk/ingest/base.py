"""What every input format produces: source items with a location, mapped into validated record fields."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verrijk.domain import LIST_FIELDS, RECORD_FIELDS, is_valid_rights
from verrijk.errors import BadInput


class IngestError(BadInput):
    """The whole input is unusable (malformed XML, a mapping column missing, an unknown format)."""


@dataclass
class Reject:
    location: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}, field {self.field!r}" if self.field else self.location
        return f"{where}: {self.message}"


class RecordInvalid(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class SourceItem:
    """One record as read from the input, before validation: verrijk field names already, plus raw source."""

    location: str
    fields: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    media: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    problem: tuple[str, str] | None = None  # (field, message) found while reading


@dataclass
class MappingRule:
    field: str
    column: str
    separator: str = ""
    default: str = ""


class Mapping:
    """How the columns (or keys) of a tabular source fill verrijk's record fields.

    A mapping file is a CSV with the header `field,column,separator,default`. `field` is a record
    field (title, creator, ...) or `extra.NAME` for anything else worth keeping; several rows may
    fill one field. A separator splits multi-valued cells; `default` fills an empty cell.
    """

    HEADER = ("field", "column", "separator", "default")

    def __init__(self, rules: list[MappingRule], require_id: bool = True):
        for rule in rules:
            if rule.field not in RECORD_FIELDS and not rule.field.startswith("extra."):
                raise IngestError(
                    f"mapping field {rule.field!r} is not a record field ({', '.join(RECORD_FIELDS)}) or extra.NAME"
                )
        if require_id and not any(r.field == "source_id" for r in rules):
            raise IngestError("the mapping has no row for source_id: which column identifies a record?")
        self.rules = rules

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"cannot read mapping file {path}: {exc.strerror}") from exc
        return cls.parse(data, str(path))

    @classmethod
    def parse(cls, data: bytes, name: str) -> Mapping:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise IngestError(f"mapping file {name} is not UTF-8: {exc}") from exc
        reader = csv.DictReader(io.StringIO(text))
        if tuple(reader.fieldnames or ())[:2] != cls.HEADER[:2]:
            raise IngestError(f"mapping file {name} must start with the header {','.join(cls.HEADER)}")
        rules = [
            MappingRule(
                field=(row.get("field") or "").strip(),
                column=(row.get("column") or "").strip(),
                separator=row.get("separator") or "",
                default=row.get("default") or "",
            )
            for row in reader
            if (row.get("field") or "").strip()
        ]
        return cls(rules)

    @classmethod
    def identity(cls, keys: list[str]) -> Mapping:
        """Keys that are already verrijk field names map to themselves (JSONL written for verrijk)."""
        return cls([MappingRule(k, k) for k in keys if k in RECORD_FIELDS or k.startswith("extra.")], require_id=False)

    def check_columns(self, columns: list[str], source: str) -> None:
        missing = sorted({r.column for r in self.rules if r.column and r.column not in columns})
        if missing:
            raise IngestError(
                f"{source}: the mapping refers to column(s) {', '.join(map(repr, missing))} that are not in the "
                f"header (columns: {', '.join(columns)})"
            )

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for rule in self.rules:
            value = row.get(rule.column) if rule.column else None
            values = _split(value, rule.separator)
            if not values and rule.default:
                values = [rule.default]
            if not values:
                continue
            if rule.field.startswith("extra."):
                name = rule.field.removeprefix("extra.")
                if rule.separator:
                    extra.setdefault(name, []).extend(values)
                else:
                    extra.setdefault(name, values[0])
            elif rule.field in LIST_FIELDS:
                out.setdefault(rule.field, []).extend(values)
            elif rule.field not in out:
                out[rule.field] = values[0]
                if len(values) > 1:
                    extra.setdefault(f"{rule.field}_alternatives", []).extend(values[1:])
        if extra:
            out["extra"] = extra
        return out


def _split(value: Any, separator: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = str(value).split(separator) if separator else [str(value)]
    return [v.strip() for v in items if v is not None and str(v).strip()]


YEAR = re.compile(r"^\s*(?:c(?:a|irca)?\.?\s*)?(-?\d{1,4})")
YEAR_RANGE = re.compile(r"^\s*(\d{3,4})\s*[-–/]\s*(\d{3,4})\s*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_TEXT = 200_000
# a media column's URL says its kind only by its name; enrichers sniff the content again when they read it
SOUND_OR_MOVING = re.compile(r"\.(?:(wav|mp3|ogg|oga|opus|flac|m4a|aac)|(mp4|m4v|webm|ogv|mov))(?:[?#].*)?$", re.I)


def parse_year(value: Any, field_name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    match = YEAR.match(str(value))
    if not match:
        raise RecordInvalid(field_name, f"{value!r} does not start with a year")
    return int(match.group(1))


_SURROGATE = re.compile("[\udc80-\udcff]")


def _undecodable(text: str) -> str | None:
    """The first byte that failed to decode (kept as a surrogate escape), as hex, or None."""
    found = None if text.isascii() else _SURROGATE.search(text)
    return f"0x{ord(found.group()) - 0xDC00:02x}" if found else None


def validate(item: SourceItem, default_rights: str | None = None) -> dict[str, Any]:
    """Turn a source item into the dict Repo.upsert_records stores; RecordInvalid names the bad field."""
    if item.problem:
        raise RecordInvalid(*item.problem)
    f = dict(item.fields)
    for name, value in list(f.items()):
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                bad = _undecodable(text)
                if bad:
                    raise RecordInvalid(
                        name,
                        f"holds byte {bad}, which is not UTF-8: is the file in another encoding? "
                        "(pass --encoding, e.g. cp1252)",
                    )
                if len(text) > MAX_TEXT:
                    raise RecordInvalid(name, f"is {len(text)} characters long; the limit is {MAX_TEXT}")
    source_id = str(f.get("source_id") or "").strip()
    if not source_id:
        raise RecordInvalid("source_id", "is empty: every record needs an identifier")
    if len(source_id) > 500:
        raise RecordInvalid("source_id", "is longer than 500 characters")
    title = str(f.get("title") or "").strip()
    description = str(f.get("description") or "").strip()
    if not title and not description:
        raise RecordInvalid("title", "is empty, and so is description: a record needs one of them")
    date_from = parse_year(f.get("date_from"), "date_from")
    date_to = parse_year(f.get("date_to"), "date_to")
    date = str(f.get("date") or "").strip()
    if date and date_from is None:
        span = YEAR_RANGE.match(date)
        if span:
            date_from, date_to = int(span.group(1)), int(span.group(2))
        else:
            try:
                date_from = parse_year(date, "date")
            except RecordInvalid:
                pass  # free-text dates ("eerste helft 17de eeuw") are kept as text, just not filterable
    if not date and f.get("date_from"):
        start, end = str(f["date_from"]).strip(), str(f.get("date_to") or "").strip()
        date = start if not end or end == start else f"{start} – {end}"
    if date_to is None:
        date_to = date_from
    if date_from is not None and date_to is not None and date_to < date_from:
        raise RecordInvalid("date_to", f"{date_to} lies before date_from {date_from}")
    rights = str(f.get("rights") or default_rights or "").strip() or None
    if rights and not is_valid_rights(rights):
        raise RecordInvalid(
            "rights",
            f"{rights!r} is not a rightsstatements.org or Creative Commons URI "
            "(e.g. http://rightsstatements.org/vocab/InC/1.0/)",
        )
    language = str(f.get("language") or "").strip().lower().replace("_", "-") or None
    if language and not LANGUAGE.match(language):
        raise RecordInvalid("language", f"{language!r} is not a language code such as nl, fr or en")
    uri = str(f.get("uri") or "").strip() or None
    if uri and not uri.startswith(("http://", "https://")):
        raise RecordInvalid("uri", f"{uri!r} is not an http(s) URI")
    media = list(item.media) + [{"url": u, "kind": _media_kind(str(u))} for u in f.get("media") or []]
    for m in media:
        if not str(m.get("url", "")).startswith(("http://", "https://", "file://")):
            # file:// media are read only under the deployment's media folders (enrich/media.py)
            raise RecordInvalid("media", f"{m.get('url')!r} is not an http(s) or file:// URL")
        m.setdefault("rights", rights)
    return {
        "source_id": source_id,
        "uri": uri,
        "title": title,
        "description": description,
        "creator": _dedupe(f.get("creator")),
        "date": date,
        "date_from": date_from,
        "date_to": date_to,
        "place": _dedupe(f.get("place")),
        "subject": _dedupe(f.get("subject")),
        "type": _dedupe(f.get("type")),
        "rights": rights,
        "language": language,
        "extra": f.get("extra") or {},
        "raw": item.raw,
        "media": media,
    }


def _media_kind(url: str) -> str:
    """audio or video when the URL's file name says so, else image."""
    match = SOUND_OR_MOVING.search(url)
    return "image" if match is None else "audio" if match.group(1) else "video"


def _dedupe(values: Any) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def decode_text(data: bytes, encoding: str) -> str:
    """Decode a file, keeping undecodable bytes as surrogate escapes so the record holding them is rejected."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        return data.decode("utf-8-sig", errors="surrogateescape")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(f"the file is not valid {encoding}: {exc}") from exc
    except (LookupError, ValueError) as exc:  # ValueError: a name no codec can have (a NUL in it)
        raise IngestError(f"unknown encoding {encoding!r}") from exc
