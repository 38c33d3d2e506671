"""Alias keys: the normalised forms under which a name is indexed and looked up.

A name yields keys at levels of looseness, so an exact spelling outranks a variant:
0  the folded name (accents, case, punctuation gone), also in natural order for "Surname, Forename", with
   parenthetical qualifiers dropped ("Paramaribo (stad)") and epithets made canonical ("de Jonge" = "II"-less
   "younger", "the Elder" = "de Oude" = "l'Ancien");
1  without particles ("van", "de", "van der", "ter" ...), epithets and ordinals: "Jan Eyck" for "Jan van Eyck";
   and the historical-spelling fold of those forms (ij/y, ae/aa, ck/c/k, sch/s, ph/f, oe/u, th/t, doubled letters):
   "antony van dyk" for both "Anthonie van Dijck" and "Anthony van Dyck"; a person's forenames in alphabetical
   order ("Denis-Pierre" and "Pierre-Denis Bergeret");
2  initials for the forenames: "j vermeer" for "Johannes Vermeer" and for "J. Vermeer";
3  the surname alone, for people only: "vermeer".
Fuzzy matching (level 4) happens in the index, over level-0 keys only.
"""

from __future__ import annotations

import re

from verrijk.folding import fold

EXACT, VARIANT, INITIALS, SURNAME, FUZZY = 0, 1, 2, 3, 4

_SPACE = re.compile(r"\s+")
_QUALIFIER = re.compile(r"\s*[(\[][^)\]]*[)\]]")

PARTICLES = frozenset(
    "van von vom de der den des ter ten te het t s in op uit d l la le les du di da del della dell dello degli dei "
    "y e zu zum zur vanden vander vande vd".split()
)
# epithets that tell a father from a son (or a master from a follower), in Dutch, English, French, German
_ELDER = ("de oude", "d oude", "den ouden", "the elder", "l ancien", "le vieux", "der altere", "sr", "senior")
_YOUNGER = ("de jonge", "den jongen", "the younger", "le jeune", "der jungere", "jr", "jun", "junior")
EPITHETS: dict[str, str] = {e: "elder" for e in _ELDER} | {e: "younger" for e in _YOUNGER}
_EPITHET = re.compile(r"(?:^| )(" + "|".join(sorted(map(re.escape, EPITHETS), key=len, reverse=True)) + r")(?= |$)")
_ORDINAL = re.compile(r" (?:i{1,3}|iv|v|vi{1,3}|ix|x{1,3}i{0,3})$")
_SAINT = {"st": "sint", "ste": "sint", "saint": "sint", "sainte": "sint", "sankt": "sint", "santa": "sint"}


# Dutch and French historical spellings, applied in order to a folded name: each rule maps variants that writers
# of the 16th-19th centuries used for one sound onto one spelling. Not a pronunciation: a key to meet at.
_LITERAL_SPELLINGS = (("ij", "y"), ("sch", "s"), ("ph", "f"), ("th", "t"), ("gh", "g"))  # str.replace is faster
_SPELLINGS = (
    (re.compile(r"dt\b"), "t"),
    (re.compile(r"ck|c(?![eih])|q"), "k"),
    (re.compile(r"ae|aa"), "a"),
    (re.compile(r"oe|ou"), "u"),
    (re.compile(r"ie\b"), "y"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)


def historic(folded: str) -> str:
    """A folded name with Dutch/French historical spelling variants folded too: "weijden" and "weyden" ->
    "weyden", "dijck"/"dyck"/"dyk" -> "dyk", "anthonie"/"anthony" -> "antony"; "ij" stays apart from "i"
    ("Parijs" is not "Paris")."""
    for written, replacement in _LITERAL_SPELLINGS:
        folded = folded.replace(written, replacement)
    for pattern, replacement in _SPELLINGS:
        folded = pattern.sub(replacement, folded)
    return folded


def strip_qualifiers(name: str) -> str:
    """ "Fort Zeelandia (Paramaribo)" -> "Fort Zeelandia": thesaurus qualifiers never occur in running text."""
    return _QUALIFIER.sub("", name).strip() or name


def natural_order(name: str) -> str | None:
    """ "Eyck, Jan van" -> "Jan van Eyck"; None when the name is not in sorting form."""
    if name.count(",") != 1:
        return None
    surname, forename = (part.strip() for part in name.split(","))
    if not surname or not forename:
        return None
    # "Aerssen jr., Cornelis van": the particle goes before the surname, the epithet stays last
    words = forename.split()
    particles = []
    while words and fold(words[-1]) in PARTICLES:
        particles.insert(0, words.pop())
    if not words:
        return f"{forename} {surname}"
    return " ".join((*words, *particles, surname))


def epithet(folded: str) -> str | None:
    """The canonical epithet ("elder", "younger") or ordinal ("ii") a folded name carries, if any."""
    found = _EPITHET.search(folded)
    if found:
        return EPITHETS[found.group(1)]
    ordinal = _ORDINAL.search(folded)
    return ordinal.group(0).strip() if ordinal and len(folded.split()) > 1 else None


def _canonical_epithet(folded: str) -> str:
    return _EPITHET.sub(lambda m: " " + EPITHETS[m.group(1)], folded).strip()


def without_epithet(folded: str) -> str:
    bare = _EPITHET.sub(" ", folded)
    if len(bare.split()) > 1:
        bare = _ORDINAL.sub("", bare)
    return _SPACE.sub(" ", bare).strip()


def _saint(folded: str) -> str:
    words = folded.split()
    return " ".join(_SAINT.get(w, w) for w in words) if any(w in _SAINT for w in words) else folded


def name_forms(name: str) -> list[str]:
    """The folded forms a written name stands for: as given, qualifiers dropped, and in natural order.

    The last form is the one to read as "forenames surname".
    """
    bare = strip_qualifiers(name) if "(" in name or "[" in name else name
    natural = natural_order(bare) if "," in bare else None
    forms = [name] + ([bare] if bare is not name else []) + ([natural] if natural else [])
    return [f for f in dict.fromkeys(map(fold, forms)) if f]


def keys(name: str, person: bool = True) -> dict[str, int]:
    """Every key of a name with its level (the lowest when a key comes about in several ways)."""
    found: dict[str, int] = {}

    def add(key: str, level: int) -> None:
        if key and found.get(key, 99) > level:
            found[key] = level

    forms = name_forms(name)
    for form in forms:
        add(_saint(_canonical_epithet(form)), EXACT)
        add(form, EXACT)
        bare = without_epithet(form)
        add(bare, VARIANT)
        without_particles = " ".join(w for w in bare.split() if w not in PARTICLES)
        add(without_particles, VARIANT)
        if person:
            add(historic(bare), VARIANT)
            add(historic(without_particles), VARIANT)
    if person and forms:
        bare = without_epithet(forms[-1])
        words = [w for w in bare.split() if w not in PARTICLES]
        if len(words) >= 3:  # forenames in alphabetical order: "Denis-Pierre" and "Pierre-Denis Bergeret"
            add(" ".join([*sorted(words[:-1]), words[-1]]), VARIANT)
        if len(words) >= 2 and not any(w.isdigit() for w in words):
            add(" ".join([w[0] for w in words[:-1]] + [words[-1]]), INITIALS)
            if len(words[-1]) > 2:
                add(words[-1], SURNAME)
    return found


_ABBREVIATION = re.compile(r"^(?:\w+\.|[^\Waeiouyàâäéèêëîïôöûü\d]{1,3})$", re.IGNORECASE)


def query_keys(mention: str, person: bool = True) -> dict[str, int]:
    """The keys to look a mention up under: like an entry's, without the surname alone (too loose a query), and
    with the initials key only when the mention abbreviates a forename: an initial, a word cut off with a full stop
    or one of consonants only ("J. Brouwers", "Ferd. Landerer", "Wm Burgess" may be any forename of that letter;
    "Jules Brouwers" is not Jeroen)."""
    found = keys(mention, person)
    words = mention.split()[:-1]
    abbreviated = any(len(word) == 1 for word in fold(mention).split()[:-1]) or any(
        _ABBREVIATION.match(word) for word in words
    )
    return {k: level for k, level in found.items() if level < INITIALS or (level == INITIALS and abbreviated)}
