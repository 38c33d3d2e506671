"""POST /enrich/media: one image or recording (an upload or a URL) enriched synchronously: an image's OCR lines,
the entities in them, colours and hash; a recording's (or a video's sound's) segments, transcript and the
transcript's entities; each placed with a Media Fragments selector (xywh= in an image, t= in a recording).
Nothing is stored; collections go through POST /jobs."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError

from verrijk.api.errors import Problem
from verrijk.deps import scoped
from verrijk.domain import READERS, SuggestionKind
from verrijk.enrich.audio.service import AudioAnalysis
from verrijk.enrich.audio.service import analyse as analyse_audio
from verrijk.enrich.base import Proposal
from verrijk.enrich.image.service import analyse, upload
from verrijk.enrich.media import Medium, read
from verrijk.enrich.text.language import check_code, detect
from verrijk.store.repo import Repo

router = APIRouter(tags=["enrich"])


class MediaUrlIn(BaseModel):
    url: str = Field(
        description="http(s) URL of an image, a recording or a video, or of an IIIF Image API service (its base or "
        "info.json)"
    )
    enrichers: list[str] | None = Field(
        None, description="image or audio enrichers to run; the organisation's when absent"
    )
    language: str | None = Field(
        None,
        description="language of tag labels (nl, fr, en; Dutch when absent); for a recording, the spoken language "
        "(detected when absent)",
    )


class MediaOut(BaseModel):
    kind: str = Field(description="image, audio or video")
    mime: str = Field(description="sniffed from the content, not the name")
    width: int | None = Field(None, description="of an image")
    height: int | None = Field(None, description="of an image")
    duration: float | None = Field(None, description="of a recording or video, in seconds")
    sha256: str
    phash: str | None = Field(None, description="of an image: 64-bit perceptual hash in hex, as image.hash stores it")


class TextOut(BaseModel):
    kind: str = Field(description="ocr (an image's) or transcript (a recording's)")
    language: str = Field(description="detected language of all text read or heard (ISO 639-1, or und)")
    content: str
    score: float
    selector: str = Field(description="Media Fragments: xywh=x,y,w,h in the image's pixels, or t=start,end in seconds")
    words: list[tuple[str, float, float, float]] | None = Field(
        None, description="of a transcript: each word with its start, end (seconds) and probability"
    )


class MediaEntityOut(BaseModel):
    text: str = Field(description="the words as read or heard")
    type: str = Field(description="PER, LOC, ORG, MISC or DATE")
    label: str = Field(description="the linked entry's label, or the words themselves when nothing fits (NIL)")
    uri: str | None = Field(description="the linked entry; null when nothing fits (NIL)")
    authority: str | None
    score: float
    selector: str = Field(description="where the words are: t=start,end in a recording, xywh=x,y,w,h in an image")
    enricher: str


class SegmentOut(BaseModel):
    label: str = Field(description="speech, singing, music, noise or silence")
    start: float = Field(description="seconds")
    end: float = Field(description="seconds")
    score: float


class TagOut(BaseModel):
    label: str
    uri: str | None
    score: float
    selector: str
    enricher: str
    extra: dict[str, Any] = {}


class MediaEnrichOut(BaseModel):
    media: MediaOut
    texts: list[TextOut]
    tags: list[TagOut]
    entities: list[MediaEntityOut] = []
    segments: list[SegmentOut] = []


ENTITY_KINDS = (SuggestionKind.entity, SuggestionKind.link)

MULTIPART = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "enrichers": {"type": "string", "description": "comma-separated image or audio enricher names"},
        "language": {"type": "string"},
    },
}


def _selector(region: list[float] | None, width: int, height: int) -> str:
    x, y, w, h = region or (0, 0, width, height)
    return f"xywh={round(x)},{round(y)},{round(w)},{round(h)}"


async def _parse(request: Request) -> tuple[Any, list[str] | None, str | None]:
    """(upload bytes and name, or a URL; enricher names; language) from a multipart or a JSON body."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        file = form.get("file")
        if file is None or isinstance(file, str):
            raise Problem(
                422,
                "body field 'file': send the image or recording as a multipart file named 'file', "
                'or a medium on the web as JSON {"url": ...}',
            )
        names = [n.strip() for n in str(form.get("enrichers") or "").split(",") if n.strip()] or None
        language = form.get("language")
        return (await file.read(), file.filename or "upload"), names, str(language) if language else None
    if content_type.startswith("application/json"):
        try:
            body = MediaUrlIn.model_validate(json.loads(await request.body()))
        except (ValueError, ValidationError) as exc:
            raise Problem(422, f"body: expected {{'url': ..., 'enrichers': [...]}} ({exc})") from None
        return body.url, body.enrichers, body.language
    raise Problem(415, "send the medium as multipart/form-data (field 'file') or JSON {'url': ...}")


@router.post(
    "/enrich/media",
    response_model=MediaEnrichOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": MULTIPART},
                "application/json": {"schema": MediaUrlIn.model_json_schema()},
            },
        }
    },
)
async def enrich_media(request: Request, repo: Repo = Depends(scoped(*READERS))) -> MediaEnrichOut:
    settings = request.app.state.settings
    source, names, language = await _parse(request)
    if language is not None:
        language = check_code(language)
    medium: Medium = (
        upload(*source, settings) if isinstance(source, tuple) else await run_in_threadpool(read, source, settings)
    )
    if medium.kind != "image":
        return _audio_out(await run_in_threadpool(analyse_audio, repo, settings, medium, names, language))
    result = await run_in_threadpool(analyse, repo, settings, medium, names, language)
    lines = [(name, p) for name, p in result.proposals if p.kind == SuggestionKind.transcript]
    entities = [(name, p) for name, p in result.proposals if _read_entity(name, p)]
    text_language = detect(" ".join(p.label for _, p in lines)).language if lines else "und"
    return MediaEnrichOut(
        media=MediaOut(
            kind=result.medium.kind,
            mime=result.medium.mime,
            width=result.width,
            height=result.height,
            sha256=result.medium.sha256,
            phash=result.phash,
        ),
        texts=[
            TextOut(
                kind="ocr",
                language=text_language,
                content=p.label,
                score=p.score,
                selector=_selector(p.region, result.width, result.height),
            )
            for _, p in lines
        ],
        tags=[
            TagOut(
                label=p.label,
                uri=p.authority_uri,
                score=p.score,
                selector=_selector(p.region, result.width, result.height),
                enricher=name,
                extra=p.extra,
            )
            for name, p in result.proposals
            if p.kind != SuggestionKind.transcript and not _read_entity(name, p)
        ],
        entities=[_entity(p, _selector(p.region, result.width, result.height), name) for name, p in entities],
    )


def _read_entity(name: str, p: Proposal) -> bool:
    """An entity or link in the text OCR read (other enrichers' links are tags)."""
    return name == "image.ocr" and p.kind in ENTITY_KINDS


def _times(start: float | None, end: float | None) -> str:
    return f"t={start or 0:.2f},{end or 0:.2f}"


def _entity(p: Proposal, selector: str, enricher: str) -> MediaEntityOut:
    linked = p.kind == SuggestionKind.link
    return MediaEntityOut(
        text=p.extra.get("mention", p.label),
        type=p.entity_type or "MISC",
        label=p.label,
        uri=p.authority_uri if linked else None,
        authority=p.extra.get("authority") if linked else None,
        score=p.score,
        selector=selector,
        enricher=enricher,
    )


def _audio_out(result: AudioAnalysis) -> MediaEnrichOut:
    transcript = result.transcript
    return MediaEnrichOut(
        media=MediaOut(
            kind=result.medium.kind, mime=result.medium.mime, duration=result.duration, sha256=result.medium.sha256
        ),
        texts=[
            TextOut(
                kind="transcript",
                language=transcript.language or "und",
                content=phrase.text,
                score=phrase.score,
                selector=phrase.selector,
                words=[(w.text, w.start, w.end, w.probability) for w in phrase.words],
            )
            for phrase in (transcript.phrases if transcript else ())
        ],
        tags=[],
        entities=[_entity(p, _times(p.time_start, p.time_end), "audio.transcript") for p in result.entities],
        segments=[SegmentOut(label=s.label, start=s.start, end=s.end, score=s.score) for s in result.segments],
    )
