"""Entry properties as reconciliation sees them: which exist, how a query value is compared, how a value is sent.

Authorities carry free-form properties (population, country, born, notation, broader, ...). Clients may name any
of them; the catalogue below only gives the common ones a readable name and the entity types they belong to, for
property suggest and proposals. Comparison is deliberately forgiving (years within one, country names in Dutch,
French or English, numbers within a tolerance), because the values come from spreadsheets.
"""

from __future__ import annotations

import gettext
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import pycountry

from verrijk.enrich.text.linking.model import Entry
from verrijk.folding import fold
from verrijk.reconcile.protocol import entity_type, type_of_code


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    description: str
    types: tuple[str, ...] = ()  # verrijk codes it applies to; () for every type


PROPERTIES = (
    Property("label", "Preferred label", "The preferred name; the 'lang' setting picks a language when known"),
    Property("alt_labels", "Alternative labels", "Other names and spellings"),
    Property("description", "Description", "A short description"),
    Property("type", "Type", "Person, Place, Organisation, Concept or Other"),
    Property("born", "Born", "Date or year of birth", ("PER",)),
    Property("died", "Died", "Date or year of death", ("PER",)),
    Property("country", "Country", "Country, as an ISO 3166-1 code or a name", ("LOC", "ORG", "PER")),
    Property("population", "Population", "Number of inhabitants", ("LOC",)),
    Property("lat", "Latitude", "WGS 84 latitude in decimal degrees", ("LOC",)),
    Property("lon", "Longitude", "WGS 84 longitude in decimal degrees", ("LOC",)),
    Property("notation", "Notation", "Classification code, such as an Iconclass notation", ("CONCEPT",)),
    Property("broader", "Broader", "Broader entries of this authority", ("CONCEPT", "LOC")),
    Property("wikidata", "Wikidata", "Wikidata entity URI"),
    Property("viaf", "VIAF", "VIAF cluster URI", ("PER", "ORG")),
    Property("rkd", "RKD", "RKDartists URI", ("PER",)),
)
BY_ID = {p.id: p for p in PROPERTIES}
IDENTIFIERS = frozenset({"wikidata", "viaf", "rkd"})
SETTINGS = [
    {
        "name": "limit",
        "label": "Limit",
        "type": "number",
        "default": 0,
        "help_text": "Maximum number of values per cell (0: all of them)",
    },
    {
        "name": "lang",
        "label": "Language",
        "type": "select",
        "default": "",
        "help_text": "Language of labels, when the authority has labels per language",
        "choices": [
            {"value": "", "name": "Preferred"},
            {"value": "nl", "name": "Nederlands"},
            {"value": "fr", "name": "Français"},
            {"value": "en", "name": "English"},
        ],
    },
]
_YEAR = re.compile(r"-?\d{1,4}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMERIC_TOLERANCE = {"lat": 0.05, "lon": 0.05}  # absolute, in degrees (a few km)


def property_name(pid: str) -> str:
    return BY_ID[pid].name if pid in BY_ID else pid


def applies_to(prop: Property, codes: Iterable[str]) -> bool:
    codes = set(codes)
    return not prop.types or not codes or bool(codes & set(prop.types))


def _flat(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set):
        return [v for item in value for v in _flat(item)]
    return [value]


def values(entry: Entry, pid: str, lang: str = "") -> list[Any]:
    """The values of property `pid` of an entry; label and alt_labels in `lang` when the entry has them."""
    labels = entry.properties.get("labels") or {}
    preferred = _flat(labels.get(lang)) if lang else []
    if pid == "label":
        return preferred[:1] or [entry.label]
    if pid == "alt_labels":
        others = preferred[1:] + _flat(labels.get(f"{lang}:alt")) if lang else []
        return others or list(entry.alt_labels)
    if pid == "description":
        return _flat(entry.description)
    if pid == "type":
        return [type_of_code(code).name for code in entry.types]
    return _flat(entry.properties.get(pid))


def describe(entry: Entry) -> str:
    """The entry's description, or one made of what tells namesakes apart: life years, country, notation."""
    if entry.description:
        return entry.description
    props = entry.properties
    parts = []
    if props.get("born") or props.get("died"):
        parts.append(f"{_year(props.get('born')) or '?'}–{_year(props.get('died')) or '?'}")
    parts += [str(v) for key in ("notation", "country") for v in _flat(props.get(key))[:1]]
    return ", ".join(parts)


# comparing query values ----------------------------------------------------------------------


def compare(entry: Entry, pid: str, wanted: Iterable[Any]) -> bool | None:
    """True when a wanted value matches one of the entry's, False when none does, None when it has no value."""
    if pid == "type":
        have: list[Any] = list(entry.types)
    elif pid in ("label", "alt_labels", "name"):
        have = list(entry.names())
    else:
        have = values(entry, pid)
    if not have:
        return None
    return any(_same(pid, h, w) for w in wanted for h in have)


def _same(pid: str, have: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return _text(have) == want["id"] or (bool(want.get("name")) and fold(_text(have)) == fold(want["name"]))
    if pid == "type":
        found = entity_type(str(want))
        return found is not None and found.code == have
    if pid in ("born", "died"):
        a, b = _year(have), _year(want)
        return a is not None and b is not None and abs(a - b) <= 1
    if pid == "country":
        return _country(_text(have)) == _country(_text(want))
    a, b = _number(have), _number(want)
    if a is not None and b is not None:
        tolerance = _NUMERIC_TOLERANCE.get(pid, max(abs(b) * 0.02, 1e-9))
        return abs(a - b) <= tolerance
    return fold(_text(have)) == fold(_text(want)) and bool(fold(_text(want)))


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("uri") or value.get("id") or "")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _year(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    found = _YEAR.search(str(value)) if value is not None else None
    return int(found.group()) if found else None


def _country(value: str) -> str:
    """ISO alpha-2 for a code or a name in English, Dutch, French or German; else the folded text."""
    key = fold(value)
    return _country_names().get(key, key)


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("de", "fr", "nl")
    ]
    for country in pycountry.countries:
        code = country.alpha_2
        english = [country.name, getattr(country, "common_name", ""), getattr(country, "official_name", "")]
        for name in english + [t.gettext(n) for t in translations for n in english if n]:
            if name:
                names.setdefault(fold(name), code)
        names[fold(code)] = code
        names[fold(country.alpha_3)] = code
    return names


# sending values ------------------------------------------------------------------------------


def render(value: Any, resolve: Callable[[str], Entry | None]) -> dict[str, Any] | None:
    """One value in data-extension form: {"id","name"} for an entry of this authority, else str/int/float/date."""
    if isinstance(value, dict):
        value = value.get("uri") or value.get("id") or value.get("label")
        if value is None:
            return None
    if isinstance(value, bool):
        return {"str": "true" if value else "false"}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value} if math.isfinite(value) else None
    text = str(value)
    if _DATE.fullmatch(text) and _is_date(text):
        return {"date": f"{text}T00:00:00Z"}
    if text.startswith(("http://", "https://")) and (entry := resolve(text)) is not None:
        return {"id": entry.uri, "name": entry.label}
    return {"str": text}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
