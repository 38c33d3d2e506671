"""POST /enrich: synchronous text enrichment (language, entities, authority links) for up to 32 short texts, made in
the worker's enrichment lane (api/lanes.py): in its threads, or in the text pipeline's own processes when
VERRIJK_LANE_ENRICH_PROCESSES asks for some.

Nothing is stored: this is for integrators trying a text or enriching on the fly. Whole collections go through
POST /jobs, which stores suggestions for review.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from verrijk.api.errors import Problem
from verrijk.api.schemas import NOT_BLANK
from verrijk.deps import scoped
from verrijk.domain import READERS, Id
from verrijk.enrich.text.analysis import TextIn
from verrijk.enrich.text.language import SUPPORTED
from verrijk.enrich.text.linking.model import LinkContext
from verrijk.enrich.text.service import analyse, check_text
from verrijk.store.repo import Repo

router = APIRouter(tags=["enrich"])


class TextItem(BaseModel):
    text: str = Field(description="the text to enrich (title, description, transcript)", json_schema_extra=NOT_BLANK)
    language: str | None = Field(
        None,
        description=f"ISO 639-1 code ({', '.join(SUPPORTED)}); detected if absent",
        json_schema_extra={"enum": [*SUPPORTED, None]},
    )
    record_id: Id | None = Field(None, description="a record of yours: its dates become context for linking")
    id: str | None = Field(None, max_length=200, description="your own reference, echoed back")


class EnrichIn(BaseModel):
    texts: list[TextItem] = Field(json_schema_extra={"minItems": 1})
    authorities: list[str] | None = Field(None, description="authorities to link to; the configured ones if absent")


class CandidateOut(BaseModel):
    uri: str
    label: str
    authority: str
    score: float


class EntityOut(BaseModel):
    start: int = Field(description="character offset of the first character")
    end: int = Field(description="character offset after the last character")
    text: str
    type: str = Field(description="PER, LOC, ORG, MISC or DATE")
    score: float = Field(description="the recogniser's confidence that this is an entity of this type")
    candidates: list[CandidateOut]
    link: CandidateOut | None = Field(description="the chosen candidate; null when none fits (NIL)")


class TextResult(BaseModel):
    id: str | None
    record_id: int | None
    language: str
    language_confidence: float
    entities: list[EntityOut]


class EnrichOut(BaseModel):
    enricher: str
    version: str
    results: list[TextResult]


def _check(body: EnrichIn, settings, repo: Repo) -> list[TextIn]:
    if not body.texts:
        raise Problem(422, f"body field 'texts' is empty: send 1 to {settings.enrich_max_texts} texts")
    if len(body.texts) > settings.enrich_max_texts:
        raise Problem(
            422,
            f"body field 'texts' has {len(body.texts)} texts; a synchronous call takes at most "
            f"{settings.enrich_max_texts} (use POST /jobs for a collection)",
        )
    inputs = []
    for i, item in enumerate(body.texts):
        language = check_text(
            item.text,
            item.language,
            settings.enrich_max_chars,
            text_name=f"body field 'texts.{i}.text'",
            language_name=f"body field 'texts.{i}.language'",
        )
        context = LinkContext()
        if item.record_id is not None:
            record = repo.record(item.record_id)  # 404 for a record that is not the caller's
            context = LinkContext(year_from=record.date_from, year_to=record.date_to)
        inputs.append(TextIn(item.text, language, context))
    return inputs


@router.post("/enrich", response_model=EnrichOut)
async def enrich(body: EnrichIn, request: Request, repo: Repo = Depends(scoped(*READERS))) -> EnrichOut:
    # READERS: volunteers work on their tasks, not on free text. An authority the caller cannot read is a 404.
    state = request.app.state
    if state.text_processes is None:  # in the worker: in a thread of the enrichment lane
        analysed, version = await state.enriching.run(
            lambda: analyse(repo, state.settings, _check(body, state.settings, repo), body.authorities)
        )
    else:  # in a text process: the worker only writes the call and reads the answer
        async with state.enriching.slot():
            if any(item.record_id is not None for item in body.texts):  # a record's dates: read in the thread pool
                inputs = await run_in_threadpool(_check, body, state.settings, repo)
            else:
                inputs = _check(body, state.settings, repo)
            analysed, version = await state.text_processes.analyse(state.settings, repo.scope, inputs, body.authorities)
    results = [
        TextResult(
            id=item.id,
            record_id=item.record_id,
            language=language,
            language_confidence=confidence,
            entities=entities,
        )
        for item, (language, confidence, entities) in zip(body.texts, analysed, strict=True)
    ]
    return EnrichOut(enricher="ner", version=version, results=results)
