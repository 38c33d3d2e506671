"""Request and response bodies of the API, apart from the table models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, field_validator

from verrijk.api.errors import described
from verrijk.domain import RIGHTS_PATTERN, JobStatus, SuggestionStatus, is_valid_rights
from verrijk.enrich.models import card_link
from verrijk.review.media import selector_of
from verrijk.store.tables import Collection, Job, Record, Suggestion

# what the service checks beyond types, said in the schema too, so that a client (or schemathesis) knows before
# it asks: a rights URI, a non-blank text, an edit that gives the corrected label or link
RIGHTS_URI = {"pattern": RIGHTS_PATTERN}
# A character that is not white space as Python counts it (str.strip() also drops the separators \x1c-\x1f and
# \x85, which a JSON Schema \S would accept)
NOT_BLANK = {"pattern": r"[^\s\x1c-\x1f\x85]"}
# an authority link a reviewer gives
HTTP_URI = described(r"^https?://", "an http:// or https:// URI")


def edit_gives_a_correction(field: str) -> dict[str, Any]:
    """JSON schema: when `field` says 'edit(ed)', a non-empty label or an authority_uri must come with it."""
    return {
        "if": {"properties": {field: {"enum": ["edit", "edited"]}}, "required": [field]},
        "then": {
            "anyOf": [
                {"properties": {"label": {"type": "string", "pattern": r"\S"}}, "required": ["label"]},
                {"properties": {"authority_uri": {"type": "string"}}, "required": ["authority_uri"]},
            ]
        },
    }


# what a cataloger may set a suggestion to ('suggested' undoes an earlier decision)
DecisionStatus = Literal[
    SuggestionStatus.accepted, SuggestionStatus.rejected, SuggestionStatus.edited, SuggestionStatus.suggested
]


class MediaOut(BaseModel):
    url: str
    kind: str
    label: str = ""
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    rights: str | None = None


class SuggestionOut(BaseModel):
    id: int
    field: str
    start: int | None
    end: int | None
    kind: str
    entity_type: str | None
    label: str
    authority_uri: str | None
    score: float
    enricher: str
    enricher_version: str
    status: str
    created_at: datetime
    extra: dict[str, Any] = Field(
        default_factory=dict,
        description="why the enricher suggests it: the words it read, the other candidates, each backend's score",
    )
    model_card: str | None = Field(None, description="path of the card of the enricher's model (GET /models/{name})")
    selector: str | None = Field(
        None, description="where in the field's medium: a Media Fragments region (xywh=...) or time span (t=...)"
    )

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionOut:
        fragment = selector_of(s)
        return cls(
            id=s.id,
            field=s.field,
            start=s.span_start,
            end=s.span_end,
            kind=s.kind,
            entity_type=s.entity_type,
            label=s.label,
            authority_uri=s.authority_uri,
            score=s.score,
            enricher=s.enricher,
            enricher_version=s.enricher_version,
            status=s.status,
            created_at=s.created_at,
            extra=s.extra or {},
            model_card=card_link(s.enricher),
            selector=fragment.value if fragment else None,
        )


class RecordOut(BaseModel):
    id: int
    uri: str = Field(description="Persistent HTTP URI of the record in verrijk")
    source_uri: str | None = Field(description="The record's own URI at its source, when it has one")
    collection: str
    source_id: str
    title: str
    description: str
    creator: list[str]
    date: str
    date_from: int | None
    date_to: int | None
    place: list[str]
    subject: list[str]
    type: list[str]
    rights: str | None
    language: str | None
    extra: dict[str, Any]
    media: list[MediaOut]
    created_at: datetime
    updated_at: datetime
    suggestions: list[SuggestionOut] | None = None
    raw: dict[str, Any] | None = None

    @classmethod
    def of(cls, r: Record, base_url: str, collection_slug: str) -> RecordOut:
        return cls(
            id=r.id,
            uri=f"{base_url}/records/{r.id}",
            source_uri=r.uri,
            collection=collection_slug,
            source_id=r.source_id,
            title=r.title,
            description=r.description,
            creator=r.creator or [],
            date=r.date,
            date_from=r.date_from,
            date_to=r.date_to,
            place=r.place or [],
            subject=r.subject or [],
            type=r.type or [],
            rights=r.rights,
            language=r.language,
            extra=r.extra or {},
            media=[
                MediaOut(
                    url=m.url,
                    kind=m.kind,
                    label=m.label,
                    width=m.width,
                    height=m.height,
                    duration=m.duration,
                    rights=m.rights,
                )
                for m in r.media
            ],
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class PageOut(BaseModel):
    items: list[Any]
    total: int
    next_cursor: str | None


class RecordPage(PageOut):
    items: list[RecordOut]


def _rights_uri(cls, value: str | None) -> str | None:
    if value is not None and not is_valid_rights(value):
        raise ValueError(f"{value!r} is not a rightsstatements.org or Creative Commons URI")
    return value


class CollectionIn(BaseModel):
    slug: str = Field(
        pattern=described(
            r"^[a-z0-9][a-z0-9-]{0,99}$",
            "a slug: up to 100 lower-case letters, digits and hyphens, the first not a hyphen",
        ),
        description="lower-case letters, digits, hyphens",
    )
    name: str = Field(min_length=1, max_length=300)
    description: str = ""
    default_rights: str | None = Field(None, json_schema_extra=RIGHTS_URI)
    metadata_license: str | None = Field(None, json_schema_extra=RIGHTS_URI)
    attribution: str = ""
    public: StrictBool = Field(
        False, description="harvestable without a key (OAI-PMH, LDES), with accepted enrichments"
    )

    _rights = field_validator("default_rights", "metadata_license")(_rights_uri)


class CollectionPatch(BaseModel):
    """Only the fields sent change; name, description, attribution and public cannot be null (the rights can: no
    statement)."""

    name: str = Field(None, min_length=1, max_length=300)
    description: str = Field(None)
    default_rights: str | None = Field(None, json_schema_extra=RIGHTS_URI)
    metadata_license: str | None = Field(None, json_schema_extra=RIGHTS_URI)
    attribution: str = Field(None)
    public: StrictBool = Field(None)

    _rights = field_validator("default_rights", "metadata_license")(_rights_uri)


class CollectionOut(BaseModel):
    slug: str
    name: str
    description: str
    default_rights: str | None
    metadata_license: str | None
    attribution: str
    public: bool
    records: int
    created_at: datetime

    @classmethod
    def of(cls, c: Collection, count: int) -> CollectionOut:
        return cls(
            slug=c.slug,
            name=c.name,
            description=c.description,
            default_rights=c.default_rights,
            metadata_license=c.metadata_license,
            attribution=c.attribution,
            public=bool(c.public),
            records=count,
            created_at=c.created_at,
        )


class JobOut(BaseModel):
    id: int
    kind: str
    status: str
    params: dict[str, Any]
    total: int
    done: int
    progress: float
    result: dict[str, Any]
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, j: Job) -> JobOut:
        return cls(
            id=j.id,
            kind=j.kind,
            status=j.status,
            params=j.params,
            total=j.total,
            done=j.done,
            progress=(j.done / j.total) if j.total else (1.0 if j.status == JobStatus.done else 0.0),
            result=j.result,
            error=j.error,
            created_at=j.created_at,
            updated_at=j.updated_at,
        )


class JobPage(PageOut):
    items: list[JobOut]


class RejectOut(BaseModel):
    location: str
    field: str
    message: str


class IngestReportOut(BaseModel):
    source: str
    format: str
    dry_run: bool
    read: int
    created: int
    updated: int
    unchanged: int
    deleted: int
    rejected_count: int
    rejected: list[RejectOut]
    error: str | None
    job_id: int | None
    summary: str
