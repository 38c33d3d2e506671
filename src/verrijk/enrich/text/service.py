"""What a caller may hand the text pipeline to try (POST /enrich, the /web/enrich page): one check, one set of
errors, so the API and the page refuse the same texts with the same status; the pipeline they run, as the
organisation configured its `ner` enricher; and that pipeline run in a process of its own (analyse_elsewhere), so
that a server's enrichment never holds the interpreter lock of the worker answering searches."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from verrijk.enrich.config import organisation_config
from verrijk.enrich.text.analysis import TextIn
from verrijk.enrich.text.entities import analyser_for, pipeline_version
from verrijk.enrich.text.language import check_code
from verrijk.errors import Invalid, TooLarge, Unavailable
from verrijk.store.db import make_engine
from verrijk.store.repo import Repo, Scope

if TYPE_CHECKING:
    from verrijk.config import Settings


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


# One text's analysis as plain values: (language, its confidence, the entities as dicts); and what made them all.
Analysed = tuple[list[tuple[str, float, list[dict]]], str]


def analyse(repo: Repo, settings: Settings, inputs: list[TextIn], authorities: list[str] | None = None) -> Analysed:
    """The organisation's text pipeline (organisation_analyser) run on the texts."""
    analyser, linker = organisation_analyser(repo, settings, authorities)
    analyses = analyser.analyse(inputs)
    found = [(a.language.language, a.language.confidence, [e.as_dict() for e in a.entities]) for a in analyses]
    return found, pipeline_version(analyser, linker, [a.language.language for a in analyses])


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def _analyse_here(settings: Settings, scope: Scope, inputs: list[TextIn], authorities: list[str] | None) -> Analysed:
    with Session(_engine(settings.db_url)) as session:
        return analyse(Repo(session, scope), settings, inputs, authorities)


class TextProcesses:
    """`size` processes that run the text pipeline (started on first use; the models load there, once each), with a
    database engine of their own. Errors come back as they were raised (verrijk.errors pickle with their message)."""

    def __init__(self, size: int):
        self.size = size
        self._pool: ProcessPoolExecutor | None = None

    def analyse(
        self, settings: Settings, scope: Scope, inputs: list[TextIn], authorities: list[str] | None = None
    ) -> Analysed:
        pool = self._pool
        if pool is None:
            pool = self._pool = ProcessPoolExecutor(self.size, mp_context=multiprocessing.get_context("spawn"))
        try:
            return pool.submit(_analyse_here, settings, scope, inputs, authorities).result()
        except BrokenProcessPool as exc:  # a process died (killed, out of memory): the next call starts new ones
            self._pool = None
            raise Unavailable("the text pipeline's process stopped; try again") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
