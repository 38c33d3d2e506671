"""Free-text dates in Dutch, French and English normalised to EDTF (Library of Congress, levels 0 and 1), and the
`dates.edtf` enricher that suggests that value for a record's date field.

`parse_date("ca. 1890")` gives `EdtfDate("1890~", 1890, 1890, ...)`; phrases it cannot read, and "z.d." / "s.d." /
"n.d." (no date), give None. Conventions (docs/enrichment.md, "Dates"):
- a century is the hundred years its number names as museums use it: "17de eeuw", "XVIIe siècle",
  "17th century" -> `16XX` (1600-1699), not the astronomical 1601-1700;
- parts of a century: halves and quarters exactly ("eerste helft 19de eeuw" -> `1800/1849`), "begin"/"early"/
  "début" the first quarter, "midden"/"mid"/"milieu" 1640-1660 of the 1600s, "eind"/"late"/"fin" the last quarter;
- decades: "jaren 1920", "jaren twintig", "années 1920", "1920s" -> `192X`; a decade in words is of the 1900s;
- "vóór 1700" -> `../1700`, "na 1900" -> `1900/..`, "vanaf 1900" -> `1900/..`;
- "1906-08" (four digits, a dash, a month number) is ISO year-month; "1637-88" (not a month) is 1637/1688;
- numeric days are day-month-year ("14-05-1802" -> `1802-05-14`), as in Dutch and French.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Item, Proposal


@dataclass(frozen=True)
class EdtfDate:
    """A date phrase read as EDTF, the years it spans (None for an open end) and how sure the reading is."""

    edtf: str
    year_from: int | None
    year_to: int | None
    certainty: float


@dataclass(frozen=True)
class _Unit:
    """One date without a connector: a day, month, season, year, decade, century or part of a century."""

    edtf: str | None  # one EDTF expression when there is one ("16XX"); None for a part of a century
    start: str  # EDTF of its first and last year (or the day/month itself)
    end: str
    year_from: int
    year_to: int
    certainty: float
    approximate: bool = False
    uncertain: bool = False

    def qualified(self, approximate: bool = False, uncertain: bool = False) -> _Unit:
        return replace(self, approximate=self.approximate or approximate, uncertain=self.uncertain or uncertain)

    def mark(self, edtf: str) -> str:
        if self.approximate and self.uncertain:
            return edtf + "%"
        return edtf + ("~" if self.approximate else "?" if self.uncertain else "")


def _year(y: int) -> str:
    return f"{y:04d}" if y >= 0 else f"-{-y:04d}"


MONTHS = {
    **dict.fromkeys(("januari", "januarij", "january", "janvier", "jan", "janv"), 1),
    **dict.fromkeys(("februari", "februarij", "february", "février", "fevrier", "feb", "febr", "févr", "fevr"), 2),
    **dict.fromkeys(("maart", "march", "mars", "mrt", "mar"), 3),
    **dict.fromkeys(("april", "avril", "apr", "avr"), 4),
    **dict.fromkeys(("mei", "may", "mai"), 5),
    **dict.fromkeys(("juni", "junij", "junii", "june", "juin", "jun"), 6),
    **dict.fromkeys(("juli", "julij", "julii", "july", "juillet", "jul", "juil"), 7),
    **dict.fromkeys(("augustus", "august", "août", "aout", "aug"), 8),
    **dict.fromkeys(("september", "septembre", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "octobre", "okt", "oct"), 10),
    **dict.fromkeys(("november", "novembre", "nov"), 11),
    **dict.fromkeys(("december", "décembre", "decembre", "dec", "déc"), 12),
}
SEASONS = {
    **dict.fromkeys(("voorjaar", "lente", "spring", "printemps"), 21),
    **dict.fromkeys(("zomer", "summer", "été", "ete"), 22),
    **dict.fromkeys(("najaar", "herfst", "autumn", "fall", "automne"), 23),
    **dict.fromkeys(("winter", "hiver"), 24),
}
DECADE_WORDS = {
    **dict.fromkeys(("tien", "tens"), 1),
    **dict.fromkeys(("twintig", "twenties", "vingt"), 2),
    **dict.fromkeys(("dertig", "thirties", "trente"), 3),
    **dict.fromkeys(("veertig", "forties", "quarante"), 4),
    **dict.fromkeys(("vijftig", "fifties", "cinquante"), 5),
    **dict.fromkeys(("zestig", "sixties", "soixante"), 6),
    **dict.fromkeys(("zeventig", "seventies", "soixante-dix"), 7),
    **dict.fromkeys(("tachtig", "eighties", "quatre-vingt"), 8),
    **dict.fromkeys(("negentig", "nineties", "quatre-vingt-dix"), 9),
}
ORDINAL_WORDS = {
    **dict.fromkeys(("elfde", "eleventh", "onzième"), 11),
    **dict.fromkeys(("twaalfde", "twelfth", "douzième"), 12),
    **dict.fromkeys(("dertiende", "thirteenth", "treizième"), 13),
    **dict.fromkeys(("veertiende", "fourteenth", "quatorzième"), 14),
    **dict.fromkeys(("vijftiende", "fifteenth", "quinzième"), 15),
    **dict.fromkeys(("zestiende", "sixteenth", "seizième"), 16),
    **dict.fromkeys(("zeventiende", "seventeenth", "dix-septième"), 17),
    **dict.fromkeys(("achttiende", "eighteenth", "dix-huitième"), 18),
    **dict.fromkeys(("negentiende", "nineteenth", "dix-neuvième"), 19),
    **dict.fromkeys(("twintigste", "twentieth", "vingtième"), 20),
    **dict.fromkeys(("eenentwintigste", "twenty-first", "vingt-et-unième", "vingt et unième"), 21),
}
ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
# parts of a century: (first, last) year within it, and how sure that reading is (halves, quarters and thirds are
# exact; begin/midden/eind are this module's convention)
PARTS = (
    (r"(?:eerste|1ste|1e|first|1st|première|premiere|1re|1ère) (?:helft|half|moitié|moitie)", (0, 49), 0.9),
    (r"(?:tweede|2de|2e|second|2nd|seconde|deuxième|2ème|laatste|last) (?:helft|half|moitié|moitie)", (50, 99), 0.9),
    (r"(?:eerste|1ste|1e|first|1st|premier|1er) (?:kwart|quarter|quart)", (0, 24), 0.9),
    (r"(?:tweede|2de|2e|second|2nd|deuxième|2ème) (?:kwart|quarter|quart)", (25, 49), 0.9),
    (r"(?:derde|3de|3e|third|3rd|troisième|3ème) (?:kwart|quarter|quart)", (50, 74), 0.9),
    (r"(?:vierde|4de|4e|laatste|fourth|4th|last|quatrième|4ème|dernier) (?:kwart|quarter|quart)", (75, 99), 0.9),
    (r"(?:eerste|first|premier) (?:derde|third|tiers)", (0, 33), 0.85),
    (r"(?:tweede|second|deuxième) (?:derde|third|tiers)", (33, 66), 0.85),
    (r"(?:laatste|last|dernier) (?:derde|third|tiers)", (67, 99), 0.85),
    (r"(?:begin|vroeg|vroege|early|beginning|début|debut)", (0, 24), 0.75),
    (r"(?:midden|mid|middle|milieu)", (40, 60), 0.75),
    (r"(?:einde|eind|late|end|fin)", (75, 99), 0.75),
)

_SPACES = re.compile(r"\s+")
_NO_DATE = re.compile(
    r"(?:z\.\s?d|s\.\s?d|n\.\s?d|zonder datum|ongedateerd|sans date|non daté|undated|no date|onbekend|"
    r"unknown|inconnu|inconnue|onbepaald|\?+|-+)\.?"
)
_APPROXIMATE = re.compile(
    r"^(?:ca\.?|c\.|circa|omstreeks|omtrent|ongeveer|rondom|rond|around|about|approximately|approx\.?|vers|"
    r"environ|env\.|aux environs de)\s*"
)
_APPROXIMATE_AFTER = re.compile(r"(?<=\d)\s*\(?(?:ca|circa|c|env)\.?\)?$")
_UNCERTAIN = re.compile(r"^(?:waarschijnlijk|vermoedelijk|wellicht|mogelijk|probably|possibly|probablement)\s+")
_FILLER = re.compile(
    r"^(?:gedateerd|gedat\.|dated|daté|datée|datering:?|in het jaar|in the year|des jaars|anno|a°|en l'an|l'an|"
    r"in het|in de|in the|in|aan het|op den|het|den|de|the|van|of|au|aux|à la|dans les|dans la|le|la|les|en|op)\s+"
)
_BEFORE = re.compile(r"^(?:vóór|voor|before|avant|tot|until|till|jusqu'en|jusqu'à|uiterlijk|prior to|ante)\s+")
_AFTER = re.compile(r"^(?:na|after|après|apres|post|later than)\s+")
_SINCE = re.compile(r"^(?:vanaf|sinds|sedert|since|depuis|à partir de|a partir de)\s+")
_BETWEEN = re.compile(r"^(?:tussen|between|entre)\s+(.+?)\s+(?:en|and|et)\s+(.+)$")
_FROM_TO = re.compile(r"^(?:van|from|de|du)\s+(.+?)\s+(?:tot en met|tot|to|until|à|au|jusqu'en|jusqu'à)\s+(.+)$")
_CONNECTOR = re.compile(r"\s*(?:-|/)\s*|\s+(?:tot|to|à|of|or|ou|en|and|et)\s+")
_UNKNOWN_START = re.compile(r"\?\s*-\s*(.+)")
_UNKNOWN_END = re.compile(r"(.+?)\s*-\s*\?")
_RANGE_PREFIX = re.compile(r"^(?:jaren|années|annees|tussen|between|entre|van|from)\s+")
_CENTURY_WORD = re.compile(r"(?:\s*(?:eeuw|century|centuries|cent\.?|siècles?|siecles?|jh\.|jahrhundert)|\s+s\.?)$")
_BC = re.compile(r"^(\d{1,4})\s*(?:v\.?\s?chr\.?|bc|b\.c\.|bce|av\.?\s?j\.?-?c\.?)$")
_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_ORDINAL = r"(?:de|e|ste|st|nd|rd|th|er|ème|eme|è|me|re)"


def _year_unit(y: int, certainty: float = 0.97) -> _Unit:
    return _Unit(_year(y), _year(y), _year(y), y, y, certainty)


def _day_unit(y: int, m: int, d: int | None, certainty: float) -> _Unit | None:
    if not 1 <= m <= 12 or (d is not None and not 1 <= d <= 31):
        return None
    edtf = f"{_year(y)}-{m:02d}" + (f"-{d:02d}" if d else "")
    return _Unit(edtf, edtf, edtf, y, y, certainty)


def _roman(text: str) -> int | None:
    if not text or any(c not in ROMAN for c in text):
        return None
    values = [ROMAN[c] for c in text]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total if 0 < total < 40 else None


def _century_number(text: str) -> int | None:
    """17 for "17de", "17e", "17th", "xviie", "xviith", "zeventiende", "dix-septième"."""
    if text in ORDINAL_WORDS:
        return ORDINAL_WORDS[text]
    m = re.fullmatch(rf"(\d{{1,2}}|[ivxlc]+)\s*{_ORDINAL}?\.?", text)
    if not m:
        return None
    number = int(m.group(1)) if m.group(1).isdigit() else _roman(m.group(1))
    return number if number and 1 <= number <= 21 else None


def _century(text: str) -> _Unit | None:
    """ "17de eeuw", "XVIIe siècle", "17th century", "eerste helft 19de eeuw", "mid-17th century"."""
    rest = _CENTURY_WORD.sub("", text)
    if rest == text:
        return None
    span, certainty = (0, 99), 0.9
    for pattern, part, sure in PARTS:
        if m := re.match(rf"{pattern}(?:\s+|-)(?:(?:van|of|du|de|la|het|the|des)\s+)*", rest):
            span, rest, certainty = part, rest[m.end() :], sure
            break
    number = _century_number(rest.strip())
    if number is None:
        return None
    base = (number - 1) * 100
    first, last = base + span[0], base + span[1]
    whole = span == (0, 99)
    edtf = f"{number - 1:02d}XX" if whole else None
    return _Unit(edtf, _year(first), _year(last), first, last, certainty)


def _decade(text: str) -> _Unit | None:
    """ "jaren 1920", "années 1920", "1920s" (0.9); "jaren '20", "jaren twintig", "the twenties" (the 1900s, 0.75)."""
    prefix = r"(?:(?:jaren|années|annees|the)\s+)?"
    if m := re.fullmatch(rf"{prefix}(\d{{3}}0)(?:\s*'?s)?", text):  # a bare "1920" was read as a year before
        first, certainty = int(m.group(1)), 0.9
    elif m := re.fullmatch(rf"{prefix}'?(\d0)(?:'?s)?", text):
        first, certainty = 1900 + int(m.group(1)), 0.75
    elif (m := re.fullmatch(rf"{prefix}([a-z-]+)", text)) and m.group(1) in DECADE_WORDS:
        first, certainty = 1900 + 10 * DECADE_WORDS[m.group(1)], 0.75
    else:
        return None
    return _Unit(f"{_year(first)[:3]}X", _year(first), _year(first + 9), first, first + 9, certainty)


def _calendar(text: str) -> _Unit | None:
    """A year, month, season or day, in words or numbers."""
    if m := re.fullmatch(r"\d{3,4}", text):
        return _year_unit(int(text))
    if m := _BC.fullmatch(text):
        return _year_unit(1 - int(m.group(1)), 0.9)  # astronomical numbering: 1 BC is year 0
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return _day_unit(int(m.group(1)), int(m.group(2)), int(m.group(3)), 0.97)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):  # ISO year-month; "1637-88" is no month and falls through
        return _day_unit(int(m.group(1)), int(m.group(2)), None, 0.85)
    if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text):
        day, month = int(m.group(1)), int(m.group(2))
        return _day_unit(int(m.group(3)), month, day, 0.85 if day <= 12 else 0.95)
    if m := re.fullmatch(rf"(\d{{1,2}})(?:er|e|ste|de|st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{3,4}})", text):
        return _day_unit(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)), 0.97)
    if m := re.fullmatch(rf"({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", text):
        return _day_unit(int(m.group(3)), MONTHS[m.group(1)], int(m.group(2)), 0.97)
    if m := re.fullmatch(rf"({_MONTH})\.?,?\s+(\d{{3,4}})", text):
        return _day_unit(int(m.group(2)), MONTHS[m.group(1)], None, 0.97)
    seasons = "|".join(SEASONS)
    if m := re.fullmatch(rf"(?:(?:de|het|la|l'|the)\s+)?({seasons})\s+(?:(?:van|of|de)\s+)?(\d{{4}})", text):
        y = int(m.group(2))
        edtf = f"{_year(y)}-{SEASONS[m.group(1)]}"
        return _Unit(edtf, edtf, edtf, y, y, 0.9)
    return None


def _strip(text: str, *patterns: re.Pattern) -> tuple[str, set[re.Pattern]]:
    """Remove leading words matching any of patterns, as often as they occur; which patterns matched."""
    found: set[re.Pattern] = set()
    changed = True
    while changed:
        changed = False
        for pattern in patterns:
            m = pattern.match(text)
            if m and m.end() < len(text):
                text, changed = text[m.end() :], True
                found.add(pattern)
    return text, found


def _unit(text: str) -> _Unit | None:
    """One date with its own qualifiers: "ca. 1600", "1599?", "17de eeuw (?)"."""
    text, found = _strip(text.strip(), _APPROXIMATE, _UNCERTAIN, _FILLER)
    uncertain = _UNCERTAIN in found
    if text.endswith("?"):
        text, uncertain = text.rstrip("?").rstrip(), True
    unit = _calendar(text) or _decade(text) or _century(text)
    return unit.qualified(_APPROXIMATE in found, uncertain) if unit else None


def _pair(left: str, right: str) -> tuple[_Unit, _Unit] | None:
    """Both ends of an interval; "17de - 18de eeuw" shares its century word, "1637-88" its century digits."""
    if re.fullmatch(r"\d{4}", left.strip()) and re.fullmatch(r"\d{2}", right.strip()):
        right = left.strip()[:2] + right.strip()
    century = _CENTURY_WORD.search(right)
    a, b = _unit(left), _unit(right)
    if a is None and century and not _CENTURY_WORD.search(left):
        a = _unit(left + century.group(0))
    if a is None or b is None or a.year_from > b.year_to:
        return None
    return a, b


def _interval(text: str) -> tuple[_Unit, _Unit] | None:
    text = _RANGE_PREFIX.sub("", text)  # "jaren 1903-1910": the years 1903 to 1910; "tussen 1544-1568"
    for pattern in (_BETWEEN, _FROM_TO):
        if (m := pattern.fullmatch(text)) and (pair := _pair(m.group(1), m.group(2))):
            return pair
    for m in _CONNECTOR.finditer(text):
        if m.start() and (pair := _pair(text[: m.start()], text[m.end() :])):
            return pair
    return None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    text = re.sub(r"[–—‒−]", "-", text)
    text = _SPACES.sub(" ", text).strip().rstrip(".,;:").strip()
    text = re.sub(r"\s*\(\?\)$", "?", text)  # "17de eeuw (?)" -> "17de eeuw?"
    while len(text) > 2 and text[0] + text[-1] in ("()", "[]"):
        text = text[1:-1].strip()
    return text


def parse_date(text: str) -> EdtfDate | None:
    """The EDTF reading of a free-text date, or None when it says there is no date or cannot be read."""
    text = _normalise(text or "")
    if not text or _NO_DATE.fullmatch(text):
        return None
    text, found = _strip(text, _APPROXIMATE, _UNCERTAIN, _FILLER)
    approximate, uncertain = _APPROXIMATE in found, _UNCERTAIN in found
    if m := _APPROXIMATE_AFTER.search(text):  # "1890 ca."
        text, approximate = text[: m.start()], True
    if text.endswith("?") and _interval(text.rstrip("?").rstrip()):
        text, uncertain = text.rstrip("?").rstrip(), True
    if (m := _UNKNOWN_START.fullmatch(text)) and (unit := _unit(m.group(1))):  # "?-1675": born when, unknown
        return EdtfDate(f"/{unit.mark(unit.end)}", None, unit.year_to, round(unit.certainty * 0.9, 2))
    if (m := _UNKNOWN_END.fullmatch(text)) and (unit := _unit(m.group(1))):
        return EdtfDate(f"{unit.mark(unit.start)}/", unit.year_from, None, round(unit.certainty * 0.9, 2))
    for pattern, side in ((_BEFORE, "before"), (_AFTER, "after"), (_SINCE, "since")):
        if (m := pattern.match(text)) and (unit := _unit(text[m.end() :])):
            unit = unit.qualified(approximate, uncertain)
            certainty = round(unit.certainty * 0.9, 2)
            if side == "before":
                return EdtfDate(f"../{unit.mark(unit.start)}", None, unit.year_from, certainty)
            point, year = (unit.end, unit.year_to) if side == "after" else (unit.start, unit.year_from)
            return EdtfDate(f"{unit.mark(point)}/..", year, None, certainty)
    if unit := _unit(text):
        unit = unit.qualified(approximate, uncertain)
        edtf = unit.mark(unit.edtf) if unit.edtf else f"{unit.mark(unit.start)}/{unit.mark(unit.end)}"
        return EdtfDate(edtf, unit.year_from, unit.year_to, unit.certainty)
    if pair := _interval(text):
        a, b = (u.qualified(approximate, uncertain) for u in pair)
        certainty = round(min(a.certainty, b.certainty) * 0.97, 2)
        return EdtfDate(f"{a.mark(a.start)}/{b.mark(b.end)}", a.year_from, b.year_to, certainty)
    return None


class DateEnricher(Enricher):
    """Normalises a record's free-text date to EDTF (ca. 1890 -> 1890~, 17de eeuw -> 16XX, vóór 1700 -> ../1700)."""

    name = "dates.edtf"
    version = "dates.edtf-1"
    accepts = frozenset({"text"})

    def __init__(self, fields: Sequence[str] = ("date",), min_score: float = 0.0) -> None:
        self.fields, self.min_score = frozenset(fields), min_score

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        return [self._propose(item) if item.field in self.fields and item.text else [] for item in items]

    def _propose(self, item: Item) -> list[Proposal]:
        parsed = parse_date(item.text or "")
        if parsed is None or parsed.certainty < self.min_score or parsed.edtf == (item.text or "").strip():
            return []  # unreadable, too unsure, or already that EDTF value
        extra: dict[str, Any] = {"edtf": parsed.edtf, "year_from": parsed.year_from, "year_to": parsed.year_to}
        return [Proposal(SuggestionKind.tag, parsed.edtf, parsed.certainty, entity_type="DATE", extra=extra)]


def create(params: dict[str, Any], context: Any) -> DateEnricher:
    """The registry's factory: the date reader needs nothing but its parameters."""
    return DateEnricher(params["fields"], params["min_score"])
