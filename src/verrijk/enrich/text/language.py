"""Language detection per field (lingua, offline): the detected language routes a text to its NER model."""

from __future__ import annotations

from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from verrijk.enrich.loading import once
from verrijk.errors import Invalid

# The languages verrijk detects: its three working languages and German, common in Flemish collections.
SUPPORTED = ("nl", "fr", "en", "de")
UNDETERMINED = "und"  # ISO 639-2 "undetermined": too short or nothing matched
MIN_LETTERS = 3


@dataclass(frozen=True)
class Detected:
    language: str  # ISO 639-1 code, or "und"
    confidence: float  # 0..1; 1.0 when the caller gave the language


class UnsupportedLanguage(Invalid):
    """A language code verrijk cannot detect or route."""


def check_code(code: str) -> str:
    """A caller's language code, lower-cased; UnsupportedLanguage names the supported ones."""
    normalised = code.strip().lower()
    if normalised not in SUPPORTED:
        raise UnsupportedLanguage(f"language {code!r} is not supported; use one of {', '.join(SUPPORTED)}")
    return normalised


@once(maxsize=1)
def _detector():
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in SUPPORTED]
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def _result(values) -> Detected:
    if not values:
        return Detected(UNDETERMINED, 0.0)
    best = values[0]
    return Detected(best.language.iso_code_639_1.name.lower(), round(best.value, 4))


def detect(text: str) -> Detected:
    """The most likely language of a text, or "und" when it has fewer than three letters."""
    return detect_many([text])[0]


def detect_many(texts: list[str]) -> list[Detected]:
    """Detect a batch; lingua spreads it over the available cores."""
    letters = [sum(c.isalpha() for c in t) >= MIN_LETTERS for t in texts]
    wanted = [t for t, ok in zip(texts, letters, strict=True) if ok]
    found = iter(_detector().compute_language_confidence_values_in_parallel(wanted) if wanted else [])
    return [_result(next(found)) if ok else Detected(UNDETERMINED, 0.0) for ok in letters]
