"""A phonetic key for Dutch and French names: how a name sounds, so spellings of one name meet where the alias keys
(normalise.py) and fuzzy matching miss them.

"Peter Rysbraeck" and "Pieter Rijsbraeck", "Camille Wauters" and "Camiel Wauters", "Karel Doudelet" and "Charles
Doudelet", and what a speech recogniser writes for Flemish names ("Antwerpon", "Jacob Jordans", "Anthony Van
Dick") share a key with the name meant. The key is a blocking channel, not a rewrite: the index offers the entries
that share it as candidates (when nothing matched exactly or as a variant), and whether they do is one feature
among the others, weighed by the fitted linking model (linker.py).

A word's key: the historical-spelling fold (normalise.historic: ij/y, ae/aa, ck/c/k, sch/s, ph/f, oe/u, doubled
letters), then the sounds Dutch and French spell several ways made one (ch/g, soft c/s, soft g/j, z/s, v/w/f, d/t,
ts/s, b/p, x/ks, silent h, ei/ey/y/ij), every run of vowels one vowel, and a final vowel (schwa, French mute e) gone.
A person's forenames are first put in one language (FORENAMES: Karel = Charles = Carolus, Jan = Jean = Johannes).
A place's name is first folded for how other languages transliterate it (TRANSLITERATIONS: the sounds of "ch" in
Cherepovets, "tch", "tsj", "tx" one; "kh" as Dutch "ch", Serpukhov = Serpoechov; "zh", "dzh", "dz" as "j"; Dutch
"sj" as "s"; letters with a caron spelt out and Polish and Hungarian digraphs read, Žešova = Rzeszów), and also
keyed without a case or Latin ending (Lithuanian "Ravalpindis", "Nasikas"; "Bedfordia"; Japanese "-shi").
"""

from __future__ import annotations

import re
from functools import lru_cache

from verrijk.enrich.text.linking import normalise

# Forms of one forename in Dutch, French, Latin, German, English, Italian and Spanish: the catalogues of Flemish
# art name a painter in the language of the catalogue ("Frans" Floris, "François" Floris, "Franciscus" Floris).
FORENAMES = (
    "jan jean johannes joannes johan johann hans john giovanni juan jehan",
    "pieter peter pierre petrus piet pietro pedro",
    "karel charles carolus carl karl carlo carlos",
    "frans francois franciscus franz francesco francisco franck frank",
    "jacob jacques jacobus jakob james giacomo jacopo jaime jacomo",
    "jozef joseph josephus josef jos giuseppe jose",
    "hendrik henri henricus heinrich henry enrico enrique hendrick henrick",
    "willem guillaume wilhelmus wilhelm william guglielmo guillermo",
    "lodewijk louis ludovicus ludwig lewis luigi luis lodewyk",
    "gerard gerardus gerhard gerrit gherardo gerardo girard",
    "cornelis corneille cornelius cornelio",
    "adriaan adrien adrianus adrian adriano adriaen",
    "antoon antoine antonius anton anthony antonio anthonie antonie toon",
    "dirk thierry theodoor theodore theodorus theodor dierick diederik",
    "michiel michel michael michele miguel",
    "nicolaas nicolas nicolaus nikolaus nicholas niccolo nicolo klaas niklaas",
    "lucas luc lukas luke luca",
    "gillis gilles egidius aegidius",
    "joris georges georgius georg george giorgio jorge",
    "hubert hubertus huibrecht huybrecht",
    "maarten martin martinus martino",
    "matthijs mathieu matthias mattheus matthew matteo",
    "andries andre andreas andrew andrea",
    "steven etienne stephanus stefan stephen stefano esteban",
    "paulus paul pablo paolo pauwel",
    "rogier roger rogerius ruggero",
    "jeroen jerome hieronymus hieronimus girolamo",
    "ferdinand ferdinandus fernando",
    "emiel emile emilius emil emilio",
    "camiel camille camillus camillo",
    "gustaaf gustave gustavus gustav gustavo",
    "leopold leopoldus lode",
    "constant constantijn constantin constantinus",
    "alexander alexandre alessandro alejandro",
    "engelbert engelbertus",
    "balthasar balthazar baltasar",
    "caspar gaspard casparus kaspar gaspare",
    "servaas servais servatius",
    "maria marie mary",
    "catharina catherine katharina katrien catalina caterina",
    "elisabeth elizabeth isabelle isabella",
    "margaretha marguerite margarete margaret margherita",
)
_CANON = {name: group.split()[0] for group in reversed(FORENAMES) for name in group.split()}

_LITERAL_SOUNDS = (("ue", "u"), ("x", "ks"), ("z", "s"), ("v", "f"), ("w", "f"), ("d", "t"), ("b", "p"))
_SOUNDS = (
    (re.compile(r"c(?=[eiy])"), "s"),  # soft c; hard c is k already (historic)
    (re.compile(r"g(?=[eiy])"), "j"),  # soft g (French "Gent" said as "Jent")
    (re.compile(r"ch"), "g"),  # Dutch ch and g are one sound
    (re.compile(r"ts"), "s"),  # Matsys/Massys, Willaerts/Villars
    (re.compile(r"(?<=.)h|^h(?=[^aeiouy])"), ""),  # h after a letter is silent or part of a digraph
    (re.compile(r"[aeiouy]+"), "a"),  # vowels: the one a speaker may say differently from the spelling
    (re.compile(r"(?<=.)a$"), ""),  # final schwa, French mute e
    (re.compile(r"([a-z])\1+"), r"\1"),
)


# letters with a caron, acute or comma that other languages spell with two (Czech, Lithuanian, Croatian č, š, ž;
# Polish ć, ś, ź, ż; Turkish and Romanian ş), before folding would drop their accent: "Kičeneris" is Kitchener,
# "Žešova" Rzeszów
HAČEKS = str.maketrans({"č": "ch", "š": "sh", "ž": "zh", "ć": "ch", "ś": "sh", "ź": "zh", "ż": "zh", "ş": "sh",
                        "ș": "sh", "Č": "Ch", "Š": "Sh", "Ž": "Zh", "Ć": "Ch", "Ś": "Sh", "Ź": "Zh", "Ż": "Zh",
                        "Ş": "Sh", "Ș": "Sh"})  # fmt: skip
# how other languages' transliterations spell one sound, for places: Tcherepovets, Tsjerepovets, Txerepovets,
# Cherepovets; Serpukhov (kh) and Serpoechov (Dutch ch); Zhaozhou, Chzhaochzhou; Abuja, Abudza, Abudzha; Polish
# and Hungarian digraphs (Rzeszów, Szczecin; Cshongdzsin for Chongjin); Greek's "nt" and "mp" for d and b at the
# start of a word (Ntortmount, Dortmund)
TRANSLITERATIONS = (
    (re.compile(r"^nt"), "d"),
    (re.compile(r"^mp"), "b"),
    (re.compile(r"rz|zs"), "zh"),
    (re.compile(r"cz|cs"), "ch"),
    (re.compile(r"sz"), "sh"),
    (re.compile(r"chzh|dzh|zh|dz|dj"), "j"),
    (re.compile(r"tsch|tsj|tch|tsh|tx|kh"), "ch"),
    (re.compile(r"sj"), "s"),  # Dutch "Sjanghai"
)
ENDINGS = re.compile(r"(?<=[a-z]{4})(?:as|is|ys|us|ai|ia|shi)$")  # case and Latin endings, the Japanese "-shi"


@lru_cache(maxsize=200_000)
def sound(word: str) -> str:
    """The phonetic key of one folded word: "rijsbraeck" and "rysbraeck" -> "rasprak"."""
    key = normalise.historic(word)
    for written, replacement in _LITERAL_SOUNDS:  # Bruegel/Brugel, z/s, v/w/f, d/t, b/p
        key = key.replace(written, replacement)
    for pattern, replacement in _SOUNDS:
        key = pattern.sub(replacement, key)
    return key or word


def forename(word: str) -> str:
    """A folded forename in one language: "carolus", "charles" and "karel" -> "karel"."""
    return _CANON.get(word, word)


def keys(name: str, person: bool = True) -> set[str]:
    """The phonetic keys of a name (one per written form: as given, without qualifiers, in natural order), particles
    and epithets left out; a person's forenames (every word but the last) put in one language first."""
    found = set()
    for form in normalise.name_forms(name if person else name.translate(HAČEKS)):
        words = [w for w in normalise.without_epithet(form).split() if w not in normalise.PARTICLES]
        if person:
            spellings = [[forename(w) for w in words[:-1]] + words[-1:]]
        else:
            words = [_transliterated(w) for w in words]
            spellings = [words, [ENDINGS.sub("", w) for w in words]]
        for spelling in spellings:
            key = " ".join(sound(w) for w in spelling)
            if len(key.replace(" ", "")) >= 2:
                found.add(key)
    return found


def _transliterated(word: str) -> str:
    for pattern, replacement in TRANSLITERATIONS:
        word = pattern.sub(replacement, word)
    return word
