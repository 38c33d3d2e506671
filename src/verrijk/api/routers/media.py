"""POST /enrich/media: one image (an upload or a URL) enriched synchronously: its OCR lines, colours and hash,
each placed with a Media Fragments selector. Nothing is stored; collections go through POST /jobs."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError

from verrijk.api.errors import Problem
from verrijk.deps import scoped
from verrijk.domain import READERS, SuggestionKind
from verrijk.enrich.image.service import analyse, upload
from verrijk.enrich.text.language import check_code, detect
from verrijk.store.repo import Repo

router = APIRouter(tags=["enrich"])


class MediaUrlIn(BaseModel):
    url: str = Field(description="http(s) URL of an image, or of an IIIF Image API service (its base or info.json)")
    enrichers: list[str] | None = Field(None, description="image enrichers to run; the organisation's when absent")
    language: str | None = Field(None, description="language of tag labels (nl, fr, en); Dutch when absent")


class MediaOut(BaseModel):
    kind: str = Field(description="image")
    mime: str = Field(description="sniffed from the content, not the name")
    width: int
    height: int
    sha256: str
    phash: str = Field(description="64-bit perceptual hash in hex, as image.hash stores it")


class TextOut(BaseModel):
    kind: str = Field(description="ocr")
    language: str = Field(description="detected language of all text read in the image (ISO 639-1, or und)")
    content: str
    score: float
    selector: str = Field(description="Media Fragments region: xywh=x,y,w,h in the image's pixels")


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


MULTIPART = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "enrichers": {"type": "string", "description": "comma-separated image enricher names"},
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
            raise Problem(422, "body field 'file': send the image as a multipart file named 'file'")
        names = [n.strip() for n in str(form.get("enrichers") or "").split(",") if n.strip()] or None
        language = form.get("language")
        return (await file.read(), file.filename or "upload"), names, str(language) if language else None
    if content_type.startswith("application/json"):
        try:
            body = MediaUrlIn.model_validate(json.loads(await request.body()))
        except (ValueError, ValidationError) as exc:
            raise Problem(422, f"body: expected {{'url': ..., 'enrichers': [...]}} ({exc})") from None
        return body.url, body.enrichers, body.language
    raise Problem(415, "send the image as multipart/form-data (field 'file') or JSON {'url': ...}")


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
    if isinstance(source, tuple):
        source = upload(*source, settings)
    result = await run_in_threadpool(analyse, repo, settings, source, names, language)
    lines = [(name, p) for name, p in result.proposals if p.kind == SuggestionKind.transcript]
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
            if p.kind != SuggestionKind.transcript
        ],
    )
