"""What a caller may hand the text pipeline to try (POST /enrich, the /web/enrich page): one check, one set of
errors, so the API and the page refuse the same texts with the same status; and the pipeline they run, as the
organisation configured its `ner` enricher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verrijk.enrich.config import organisation_config
from verrijk.enrich.text.entities import analyser_for
from verrijk.enrich.text.language import check_code
from verrijk.errors import Invalid, TooLarge

if TYPE_CHECKING:
    from verrijk.config import Settings
    from verrijk.store.repo import Repo


class EmptyText(Invalid):
    """A text with nothing but white space."""


class TextTooLong(TooLarge):
    """A text over the deployment's limit for a synchronous call (VERRIJK_ENRICH_MAX_CHARS)."""

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.limit = limit


def check_text(
    text: str, language: str | None, max_chars: int, *, text_name: str = "the text", language_name: str = "language"
) -> str | None:
    """Refuse an empty or too long text (EmptyText 422, TextTooLong 413) and a language verrijk does not support
    (UnsupportedLanguage 422); return the language code, normalised, or None to detect it. The names say in
    messages where the caller put the text and the language."""
    if not text.strip():
        raise EmptyText(f"{text_name} is empty")
    if len(text) > max_chars:
        raise TextTooLong(f"{text_name} has {len(text):,} characters; the limit is {max_chars:,}", max_chars)
    if language is None:
        return None
    try:
        return check_code(language)
    except Invalid as exc:
        raise type(exc)(f"{language_name}: {exc}") from exc


def organisation_analyser(repo: Repo, settings: Settings, authorities: list[str] | None = None):
    """The text pipeline with the models and authorities the organisation gave its `ner` enricher (the caller's
    authorities instead, when given): what a job would run, tried on one text."""
    params = organisation_config(repo, settings).params_for("ner")
    chosen = params["authorities"] if authorities is None else authorities
    return analyser_for(repo.session, repo.org_id, settings, chosen, params["models"])
