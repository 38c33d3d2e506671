"""What the words around a mention say about who or where it is: years, roles (painter, printer, photographer …),
regions or nationalities (Flanders, French, …) and whether the person is shown rather than at work ("Portret van"),
in Dutch, French and English, for the linker's features.
"""

from __future__ import annotations

import re
from functools import lru_cache

from verrijk.folding import fold

# A role and the word stems that name it, or name what it makes ("schilderij" -> painter). A folded word names a
# role when it starts with a stem, or ends with one of six letters or more ("portretschilder", "kunstdrukker").
ROLES: dict[str, tuple[str, ...]] = {
    "painter": ("schilder", "peintre", "painter", "painting", "peinture", "tableau", "olieverf", "aquarel",
                "watercolo", "miniaturist"),
    "printmaker": ("graveur", "graveer", "gravure", "engrav", "etser", "etsen", "etcher", "etching", "prentkunst",
                   "printmaker", "lithogra", "houtsne", "woodcut", "prent", "estampe"),
    "printer": ("drukker", "drukkerij", "imprimeur", "imprimerie", "printer", "typograaf", "typographe", "uitgever",
                "editeur", "publisher", "boekhandel", "libraire"),
    "photographer": ("fotogra", "photogra", "foto", "photo", "daguerreo"),
    "sculptor": ("beeldhouw", "sculpt", "standbeeld", "statue", "borstbeeld", "buste"),
    "architect": ("architect", "bouwmeester"),
    "draughtsman": ("tekenaar", "tekening", "dessinat", "dessin", "draughts", "drawing", "illustrat"),
    "writer": ("schrijver", "schrijfster", "auteur", "author", "writer", "dichter", "poete", "poet", "ecrivain",
               "romancier", "novelist"),
    "musician": ("componist", "compositeur", "composer", "musicus", "musicien", "musician", "zanger", "chanteu",
                 "singer", "organist"),
    "cartographer": ("cartogra", "kaartmaker", "landmeter", "mapmaker", "geograaf", "geographe"),
}  # fmt: skip
# Regions, nationalities and country names that place a text in a country (ISO 3166-1) without naming a place
# the gazetteer has: "een Vlaamse stad", "a Flemish painter", "peintre flamand".
REGIONS: dict[str, str] = {
    **dict.fromkeys(("vlaanderen", "vlaams", "vlaamse", "flanders", "flemish", "flandre", "flandres", "flamand",
                     "flamande", "flamands", "belgie", "belgium", "belgique", "belgisch", "belgische", "belgian",
                     "belge", "belges", "wallonie", "wallonia", "waals", "waalse", "wallon", "wallonne"), "BE"),
    **dict.fromkeys(("nederland", "nederlands", "nederlandse", "netherlands", "holland", "hollands", "hollandse",
                     "dutch", "hollandais", "hollandaise", "neerlandais", "neerlandaise"), "NL"),
    **dict.fromkeys(("frankrijk", "france", "french", "francais", "francaise", "fransman"), "FR"),
    **dict.fromkeys(("duitsland", "duitse", "germany", "german", "allemagne", "allemand", "allemande"), "DE"),
    **dict.fromkeys(("engeland", "engelse", "england", "english", "angleterre", "anglais", "anglaise",
                     "groot-brittannie", "britain", "british", "britannique"), "GB"),
    **dict.fromkeys(("italie", "italiaans", "italiaanse", "italy", "italian", "italien", "italienne"), "IT"),
    **dict.fromkeys(("spanje", "spaans", "spaanse", "spain", "spanish", "espagne", "espagnol", "espagnole"), "ES"),
    **dict.fromkeys(("suriname", "surinaams", "surinaamse", "surinamese", "surinamais"), "SR"),
}  # fmt: skip
# words that present the person named right after them as shown, not at work: a record's date is then the
# picture's or the monument's, not a date of their life ("Portret van Rubens, 1890")
DEPICTIONS = frozenset(("portret", "portretje", "portrait", "bildnis", "buste", "bust", "borstbeeld", "standbeeld",
                        "statue", "afbeelding", "effigie", "gedenkteken", "monument", "graf", "grafmonument",
                        "tombe", "tomb", "hommage", "homage", "memorial"))  # fmt: skip
DEPICTION_REACH = 4  # words before the mention a depiction word may stand
YEAR = re.compile(r"(?<![\d/.-])(1[0-9]\d\d|20[0-4]\d)(?![\d/.])")
_WORD = re.compile(r"[a-z][a-z-]+")
_STEMS = sorted(((stem, role) for role, stems in ROLES.items() for stem in stems), key=lambda s: -len(s[0]))


@lru_cache(maxsize=20_000)
def _word_role(word: str) -> str | None:
    for stem, role in _STEMS:
        if word.startswith(stem) or (len(stem) >= 6 and word.endswith(stem)):
            return role
    return None


@lru_cache(maxsize=50_000)
def roles(text: str) -> frozenset[str]:
    """The roles the words of a text name ("de Antwerpse schilder" -> painter)."""
    return frozenset(r for w in _WORD.findall(fold(text)) if (r := _word_role(w)))


def regions(text: str) -> frozenset[str]:
    """The countries a text's region and nationality words point to."""
    return frozenset(REGIONS[w] for w in _WORD.findall(fold(text)) if w in REGIONS)


def years(text: str) -> tuple[int, int] | None:
    """The first and last year a text names (1000-2049), or None."""
    found = [int(y) for y in YEAR.findall(text)]
    return (min(found), max(found)) if found else None


def depicted(text: str, mention: str) -> bool:
    """The text shows the person it names as `mention` ("Portret van Rubens", "buste de Rubens", "portrait of")."""
    at = text.find(mention)
    if at < 0:
        return False
    before = _WORD.findall(fold(text[:at]).rsplit(".", 1)[-1])[-DEPICTION_REACH:]
    return any(w in DEPICTIONS for w in before)
