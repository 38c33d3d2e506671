"""Folding text so that spellings which differ only in case, accents or punctuation compare equal.

One base and the forms built on it, each named by what it keeps:

- `fold_letters`: lower case, accents removed, and the letters Unicode does not decompose spelled out
  ("ß" -> "ss", "æ" -> "ae", "ø" -> "o"); punctuation and spacing are left as they are, so the positions of words
  can still be found in the original text. Search (BM25) folds each word it has cut from a text with it.
- `fold`: `fold_letters`, then punctuation (and "_") made spaces and spaces collapsed: the key under which names
  and labels are matched ("Eyck, Jan van" -> "eyck jan van", "'s-Hertogenbosch" -> "s hertogenbosch").
- `fold_words`: the words of `fold_letters(text)`, in order (letters and digits only): the tokens subject
  indexing stems.

Accents are the combining marks of the Latin, Greek and Cyrillic ranges; text that is ASCII already takes a
fast path, as vocabularies of hundreds of thousands of labels are folded at load time.
"""

from __future__ import annotations

import re
import string
import unicodedata

_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# letters NFKD leaves alone
_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "ı": "i"}
)
_PUNCT = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")
_ASCII_PUNCT = str.maketrans({c: " " for c in string.punctuation})
_WORD = re.compile(r"[^\W_]+")


def fold_letters(text: str) -> str:
    """Lower-case, accents removed, "ß"/"æ"/"ø"... spelled out; everything else kept: "Église" -> "eglise"."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_LETTERS)))
    return text.lower()


def fold(text: str) -> str:
    """Lower-case, accents and punctuation removed, spaces collapsed: "Jan Van Eyck" -> "jan van eyck"."""
    text = fold_letters(text)
    if text.isascii():
        return " ".join(text.translate(_ASCII_PUNCT).split())
    # letters of other scripts, typographic punctuation: the slow, general way
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def fold_words(text: str) -> list[str]:
    """The folded words of a text, in order: runs of letters and digits of `fold_letters(text)`."""
    return _WORD.findall(fold_letters(text))
