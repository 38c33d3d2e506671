"""Reading vocabulary files into entries: SKOS (Turtle, RDF/XML, JSON-LD, N-Triples), CSV/TSV, a GeoNames dump,
Wikidata JSON lines. The format is told by the suffix, or sniffed from the first line; bad input raises an
AuthorityFormatError naming the file and the line or record.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from verrijk.enrich.text.linking.aliases import NOT_LATIN, usable_name
from verrijk.enrich.text.linking.model import AuthorityFormatError, Entry
from verrijk.enrich.text.skos import SkosError, read_skos

FORMATS = ("turtle", "xml", "json-ld", "nt", "csv", "tsv", "geonames", "wikidata")
_SUFFIXES = {
    ".ttl": "turtle",
    ".n3": "turtle",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".nt": "nt",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "wikidata",
    ".ndjson": "wikidata",
}
LANGUAGES = ("nl", "en", "fr", "de")  # the order a preferred label is chosen in
GEONAMES = "https://sws.geonames.org/{}/"
WIKIDATA = "http://www.wikidata.org/entity/{}"


def entity_type(value: str) -> str:
    """A type column's value as one of PER, LOC, ORG, MISC, CONCEPT."""
    v = value.strip().lower()
    if v in ("per", "person", "persoon", "people", "personne", "agent", "human", "mens"):
        return "PER"
    if v in ("loc", "place", "plaats", "location", "lieu", "gpe", "city", "country", "stad", "land"):
        return "LOC"
    if v in ("org", "organisation", "organization", "organisatie", "corporate body", "company", "instelling"):
        return "ORG"
    if v in ("concept", "term", "subject", "onderwerp"):
        return "CONCEPT"
    return "MISC"


def detect_format(path: Path) -> str:
    """The format a file is in, by suffix (ignoring .gz/.zip), else by its first line."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".zip")]
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    with _open(path) as fh:
        first = next((line for line in fh if line.strip()), "").strip()
    if first.startswith(("{", "[")):
        return "json-ld" if first.startswith("{") and '"@context"' in first else "wikidata"
    if first.startswith(("@prefix", "@base", "PREFIX")):
        return "turtle"
    if first.startswith("<?xml") or first.startswith("<rdf"):
        return "xml"
    fields = first.split("\t")
    if len(fields) >= 15 and fields[0].isdigit():
        return "geonames"
    if "\t" in first:
        return "tsv"
    if "," in first or ";" in first:
        return "csv"
    raise AuthorityFormatError(f"{path}: cannot tell the format; pass --format ({', '.join(FORMATS)})")


def load(path: Path, fmt: str | None = None) -> Iterator[Entry]:
    """Entries of a vocabulary file, in file order."""
    if not path.is_file():
        raise AuthorityFormatError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt in ("turtle", "xml", "json-ld", "nt"):
        return load_skos(path, fmt)
    if fmt in ("csv", "tsv"):
        return load_table(path, "\t" if fmt == "tsv" else None)
    if fmt == "geonames":
        return load_geonames_dump(path)
    if fmt == "wikidata":
        return load_wikidata(path)
    raise AuthorityFormatError(f"{path}: format {fmt!r} is not one of {', '.join(FORMATS)}")


def _open(path: Path) -> IO[str]:
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8-sig", newline="")
    if path.suffix.lower() == ".zip":
        archive = zipfile.ZipFile(path)
        members = [n for n in archive.namelist() if not n.endswith("/") and "readme" not in n.lower()]
        if len(members) != 1:
            raise AuthorityFormatError(f"{path}: a zip file must hold one data file, not {len(members)}")
        return io.TextIOWrapper(archive.open(members[0]), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with _open(path) as fh:
            yield from enumerate(fh, 1)
    except UnicodeDecodeError as exc:
        raise AuthorityFormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def preferred(labels: dict[str, list[str]]) -> str:
    """Dutch if there is one, else English, French, German, else the first language's first label."""
    for lang in (*LANGUAGES, *sorted(labels)):
        if labels.get(lang):
            return labels[lang][0]
    return ""


def _unique(names: Iterable[str], leave_out: str = "") -> tuple[str, ...]:
    return tuple(n for n in dict.fromkeys(n.strip() for n in names) if n and n != leave_out)


# SKOS ---------------------------------------------------------------------------------------------------------
def load_skos(path: Path, fmt: str) -> Iterator[Entry]:
    """Concepts with labels per language (alternative and hidden ones under "<lang>:alt"), notation, broader, notes."""
    with _open(path) as fh:
        text = fh.read()
    try:
        skos = read_skos(text, fmt, str(path), base=path.resolve().as_uri())
    except SkosError as exc:
        raise AuthorityFormatError(str(exc)) from None
    for concept in skos.concepts:
        pref = concept.pref_labels
        labels = dict(pref)
        alternatives: list[str] = []
        for kind in (concept.alt_labels, concept.hidden_labels):
            for lang, texts in kind.items():
                alternatives += texts
                labels.setdefault(f"{lang}:alt" if lang else "alt", []).extend(texts)
        label = preferred(pref) or next(iter(alternatives), "")
        if not label:
            raise AuthorityFormatError(f"{path}: concept <{concept.uri}> has no skos:prefLabel or skos:altLabel")
        notes = {lang: texts[-1] for kind in (concept.scope_notes, concept.definitions) for lang, texts in kind.items()}
        properties: dict[str, Any] = {"labels": labels}
        if concept.notations:
            properties["notation"] = concept.notations[0] if len(concept.notations) == 1 else concept.notations
        if concept.broader:
            properties["broader"] = concept.broader
        yield Entry(
            uri=concept.uri,
            label=label,
            alt_labels=_unique([n for lang in sorted(pref) for n in pref[lang]] + alternatives, label),
            types=("CONCEPT",),
            description=preferred({k: [v] for k, v in notes.items()}),
            properties=properties,
        )


# CSV / TSV ----------------------------------------------------------------------------------------------------
_NUMBERS = {"population": int, "lat": float, "lon": float, "born": int, "died": int}


def load_table(path: Path, delimiter: str | None = None) -> Iterator[Entry]:
    """Columns uri, label, alt_labels ("|"-separated), type, description; other columns become properties.

    Rows sharing a URI are one entry: the later rows' labels become alternative labels.
    """
    lines = (line for _, line in _read_lines(path))
    header = next(lines, "")
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.DictReader(lines, fieldnames=next(csv.reader([header], delimiter=delimiter)), delimiter=delimiter)
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in ("uri", "label") if c not in columns]
    if missing:
        raise AuthorityFormatError(f"{path}: line 1: no column {' or '.join(missing)} (columns: {', '.join(columns)})")
    reader.fieldnames = columns
    entries: dict[str, Entry] = {}
    for row in reader:
        line = reader.line_num + 1  # the header was read apart
        if None in row:
            raise AuthorityFormatError(f"{path}: line {line}: more fields than the header's {len(columns)}")
        uri, label = (row.get("uri") or "").strip(), (row.get("label") or "").strip()
        if not uri or not label:
            raise AuthorityFormatError(f"{path}: line {line}: {'uri' if not uri else 'label'} is empty")
        if not re.match(r"^[a-z][a-z0-9+.-]*:", uri):
            raise AuthorityFormatError(f"{path}: line {line}: uri {uri!r} is not a URI")
        properties: dict[str, Any] = {}
        for column, value in row.items():
            value = (value or "").strip()
            if column in ("uri", "label", "alt_labels", "type", "description") or not value:
                continue
            try:
                properties[column] = value.split("|") if column == "broader" else _NUMBERS.get(column, str)(value)
            except ValueError:
                raise AuthorityFormatError(f"{path}: line {line}: {column} {value!r} is not a number") from None
        alts = (row.get("alt_labels") or "").split("|")
        types = tuple(dict.fromkeys(entity_type(t) for t in (row.get("type") or "").split("|") if t.strip()))
        earlier = entries.get(uri)
        if earlier:
            entries[uri] = Entry(
                uri,
                earlier.label,
                _unique([*earlier.alt_labels, label, *alts], earlier.label),
                tuple(dict.fromkeys((*earlier.types, *types))),
                earlier.description or (row.get("description") or "").strip(),
                properties | earlier.properties,
            )
        else:
            entries[uri] = Entry(
                uri, label, _unique(alts, label), types, (row.get("description") or "").strip(), properties
            )
    yield from entries.values()


# GeoNames dump ------------------------------------------------------------------------------------------------
def load_geonames_dump(path: Path) -> Iterator[Entry]:
    """The tab-separated GeoNames dump (allCountries.txt, cities500.txt, ...: 19 columns)."""
    for line, text in _read_lines(path):
        text = text.rstrip("\r\n")
        if not text or text.startswith("#"):
            continue
        f = text.split("\t")
        if len(f) != 19 or not f[0].isdigit():
            raise AuthorityFormatError(
                f"{path}: line {line}: not a GeoNames dump line (19 tab-separated fields, the first a geonameid; "
                f"found {len(f)} fields)"
            )
        try:
            lat, lon, population = float(f[4]), float(f[5]), int(f[14] or 0)
        except ValueError:
            raise AuthorityFormatError(
                f"{path}: line {line}: latitude, longitude or population is not a number"
            ) from None
        yield place_entry(
            f[0], f[1], [f[2], *f[3].split(",")], f[8], lat, lon, population, feature=f"{f[6]}.{f[7]}", admin1=f[10]
        )


def place_entry(
    geonameid: Any,
    name: str,
    alternatives: Iterable[str],
    country: str,
    lat: float | None,
    lon: float | None,
    population: int,
    label: str | None = None,
    **extra: Any,
) -> Entry:
    """A GeoNames place as an entry: only Latin-script, non-code alternative names are kept."""
    label = label or name
    properties = {"country": country, "population": population} | {k: v for k, v in extra.items() if v}
    if lat is not None and lon is not None:
        properties |= {"lat": lat, "lon": lon}
    return Entry(
        GEONAMES.format(geonameid),
        label,
        _unique((n for n in (name, *alternatives) if usable_name(n)), label),
        ("LOC",),
        "",
        properties,
    )


# Wikidata JSON lines ------------------------------------------------------------------------------------------
_WIKIDATA_TYPES = {
    "PER": {"Q5"},
    "LOC": {
        "Q515",
        "Q6256",
        "Q486972",
        "Q3957",
        "Q532",
        "Q2221906",
        "Q82794",
        "Q35657",
        "Q4022",
        "Q8502",
        "Q23442",
        "Q1549591",
        "Q1637706",
        "Q5119",
        "Q3024240",
        "Q7275",
        "Q15284",
        "Q1093829",
        "Q747074",
        "Q484170",
        "Q2039348",
        "Q13220204",
        "Q123705",
        "Q188509",
        "Q3336843",
        "Q10864048",
        "Q1221156",
        "Q5107",
        "Q3146899",
    },  # fmt: skip
    "ORG": {
        "Q43229",
        "Q4830453",
        "Q783794",
        "Q3918",
        "Q33506",
        "Q7278",
        "Q2085381",
        "Q163740",
        "Q891723",
        "Q327333",
        "Q31855",
        "Q7075",
        "Q166118",
        "Q1664720",
        "Q16917",
        "Q875538",
        "Q2659904",
    },  # fmt: skip
}


def _claims(entity: dict, prop: str) -> list[Any]:
    values = []
    for claim in entity.get("claims", {}).get(prop, []):
        value = claim.get("mainsnak", {}).get("datavalue", {}).get("value")
        if value is not None:
            values.append(value)
    return values


def _year(value: Any) -> int | None:
    match = re.match(r"^([+-]\d+)-", value.get("time", "")) if isinstance(value, dict) else None
    return int(match.group(1)) if match else None


def load_wikidata(path: Path) -> Iterator[Entry]:
    """One entity per line (a Wikidata dump's lines, with or without the array's brackets and commas)."""
    for line, text in _read_lines(path):
        text = text.strip().rstrip(",")
        if text in ("", "[", "]"):
            continue
        try:
            entity = json.loads(text)
        except ValueError as exc:
            raise AuthorityFormatError(f"{path}: line {line}: not JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(entity, dict) or not re.fullmatch(r"[QPL]\d+", str(entity.get("id", ""))):
            raise AuthorityFormatError(f"{path}: line {line}: not a Wikidata entity (no id like Q42)")
        yield wikidata_entry(entity)


def wikidata_entry(entity: dict) -> Entry:
    labels: dict[str, list[str]] = {}
    for lang, value in entity.get("labels", {}).items():
        labels.setdefault(lang.split("-")[0], []).append(value["value"] if isinstance(value, dict) else value)
    aliases: list[str] = []
    for lang, values in entity.get("aliases", {}).items():
        for value in values:
            alias = value["value"] if isinstance(value, dict) else value
            aliases.append(alias)
            labels.setdefault(f"{lang.split('-')[0]}:alt", []).append(alias)
    descriptions = {
        lang: [v["value"] if isinstance(v, dict) else v] for lang, v in entity.get("descriptions", {}).items()
    }
    instance_of = {v.get("id") for v in _claims(entity, "P31") if isinstance(v, dict)}
    types = tuple(t for t, qids in _WIKIDATA_TYPES.items() if instance_of & qids) or ("MISC",)
    properties: dict[str, Any] = {
        "labels": {k: v for k, v in labels.items() if k.split(":")[0] in LANGUAGES},
        "instance_of": sorted(q for q in instance_of if q),
    }
    for coords in _claims(entity, "P625")[:1]:
        properties |= {"lat": coords.get("latitude"), "lon": coords.get("longitude")}
    for amount in _claims(entity, "P1082")[:1]:
        properties["population"] = int(float(amount.get("amount", "0")))
    for prop, key in (("P569", "born"), ("P570", "died")):
        years = [y for y in map(_year, _claims(entity, prop)) if y is not None]
        if years:
            properties[key] = years[0]
    for prop, key in (("P17", "country_qid"),):
        qids = [v.get("id") for v in _claims(entity, prop) if isinstance(v, dict)]
        if qids:
            properties[key] = qids[0]
    for iso in _claims(entity, "P297")[:1]:
        properties["country"] = iso
    for prop, key, pattern in (
        ("P214", "viaf", "http://viaf.org/viaf/{}"),
        ("P650", "rkd", "https://rkd.nl/explore/artists/{}"),
        ("P1566", "geonames", GEONAMES),
    ):
        ids = [v for v in _claims(entity, prop) if isinstance(v, str)]
        if ids:
            properties[key] = pattern.format(ids[0])
    label = preferred({k: v for k, v in labels.items() if ":" not in k}) or entity["id"]
    other_labels = [n for lang in sorted(labels) if ":" not in lang for n in labels[lang]]
    return Entry(
        WIKIDATA.format(entity["id"]),
        label,
        _unique((n for n in (*other_labels, *aliases) if not NOT_LATIN.search(n)), label),
        types,
        preferred(descriptions),
        properties,
    )
