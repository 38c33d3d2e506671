"""Turning text and concept labels into comparable word stems: folding, Snowball stemming, stop words.

Labels and text go through the same analyzer (one per text language), so "plantages" in a description and the
concept "plantage" meet at the stem "plantag", whatever language the label itself was written in.
"""

from __future__ import annotations

from functools import lru_cache

import Stemmer

from verrijk.folding import fold_words

# Snowball stemmers for the languages verrijk reads; anything else is folded but not stemmed.
STEMMERS = {"nl": "dutch", "en": "english", "fr": "french", "de": "german", "it": "italian", "pt": "portuguese"}

# Function words that must never count as a one-word match on their own (folded, short lists written for this).
STOP_WORDS = frozenset(
    """
    aan al alle als bij dan dat de deze die dit door een en er het hij hun in is ja je met na naar niet nog of om
    onder op over te tot uit van voor was wat wel werd zij zijn ze zich zo
    a an and are as at be by for from in is it its of on or the to was with
    au aux avec ce dans de des du en et la le les par pour sur un une
    auf aus das dem den der des die ein eine im mit und von zu
    """.split()
)


class Analyzer:
    """Folds, splits into words and stems them with one language's Snowball stemmer (or none)."""

    def __init__(self, language: str | None):
        algorithm = STEMMERS.get((language or "").split("-")[0].lower())
        self.language = language
        self._stemmer = Stemmer.Stemmer(algorithm) if algorithm else None

    def tokens(self, text: str) -> list[str]:
        return self.stems(fold_words(text))

    def stems(self, folded_words: list[str]) -> list[str]:
        return self._stemmer.stemWords(folded_words) if self._stemmer else list(folded_words)


@lru_cache(maxsize=16)
def analyzer(language: str | None) -> Analyzer:
    return Analyzer(language)


def is_stop_word(word: str) -> bool:
    """True for folded function words and for tokens too short to mean anything alone."""
    return word in STOP_WORDS or len(word) < 3 or word.isdigit()
