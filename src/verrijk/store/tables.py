"""SQLAlchemy 2 table models. Every row that holds an organisation's work carries organisation_id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that always reads back as UTC-aware (SQLite stores none of the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    quota_records: Mapped[int | None] = mapped_column(Integer, default=None)
    quota_jobs: Mapped[int | None] = mapped_column(Integer, default=None)
    quota_requests_per_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    # e.g. {"allow_in_copyright": ["audio.whisper"]}: enrichers this organisation lets read in-copyright items
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Membership(Base):
    """A user's role in one organisation; a user may belong to several."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class ApiKey(Base):
    """An API key for a program: stored as a SHA-256 hash, bound to one user, organisation and role."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Collection(Base):
    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    default_rights: Mapped[str | None] = mapped_column(String(200), default=None)
    metadata_license: Mapped[str | None] = mapped_column(String(200), default=None)
    attribution: Mapped[str] = mapped_column(Text, default="")
    # published collections are harvestable without a key (OAI-PMH, LDES) with their accepted enrichments
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("collection_id", "source_id"),
        Index("ix_records_org_id", "organisation_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(String(500))
    uri: Mapped[str | None] = mapped_column(String(1000), default=None)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    creator: Mapped[list[str]] = mapped_column(default=list)
    date: Mapped[str] = mapped_column(String(100), default="")
    date_from: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    date_to: Mapped[int | None] = mapped_column(Integer, default=None)
    place: Mapped[list[str]] = mapped_column(default=list)
    subject: Mapped[list[str]] = mapped_column(default=list)
    type: Mapped[list[str]] = mapped_column(default=list)
    rights: Mapped[str | None] = mapped_column(String(200), default=None)
    language: Mapped[str | None] = mapped_column(String(20), default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    media: Mapped[list[Media]] = relationship(
        back_populates="record", order_by="Media.position", cascade="all, delete-orphan"
    )


class Media(Base):
    __tablename__ = "media"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(20), default="image")
    label: Mapped[str] = mapped_column(Text, default="")
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    duration: Mapped[float | None] = mapped_column(Float, default=None)
    rights: Mapped[str | None] = mapped_column(String(200), default=None)
    record: Mapped[Record] = relationship(back_populates="media")


class ImageHash(Base):
    """The perceptual hash of one image of a record (image.hash), for finding near-duplicates in a collection."""

    __tablename__ = "image_hashes"
    __table_args__ = (UniqueConstraint("record_id", "field"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(50))  # media.0, media.1, ...
    hash: Mapped[str] = mapped_column(String(16))  # 64 bits in hex
    version: Mapped[str] = mapped_column(String(100))


class ImageEmbedding(Base):
    """The CLIP embedding of one image of a record (image.clip), for finding images by free text."""

    __tablename__ = "image_embeddings"
    __table_args__ = (UniqueConstraint("record_id", "field"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(50))  # media.0, media.1, ...
    model: Mapped[str] = mapped_column(String(200))  # the CLIP that made it: only its own text encoder reads it
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length


class Authority(Base):
    """A vocabulary to link to; organisation_id NULL or shared=True makes it readable by every organisation."""

    __tablename__ = "authorities"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    license: Mapped[str | None] = mapped_column(String(200), default=None)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Suggestion(Base):
    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_org_status", "organisation_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    # idempotency: a hash of record, field, span, kind, label, uri and enricher name
    key: Mapped[str] = mapped_column(String(64), unique=True)
    field: Mapped[str] = mapped_column(String(50))
    span_start: Mapped[int | None] = mapped_column(Integer, default=None)
    span_end: Mapped[int | None] = mapped_column(Integer, default=None)
    region: Mapped[list[str] | None] = mapped_column(default=None)
    time_start: Mapped[float | None] = mapped_column(Float, default=None)
    time_end: Mapped[float | None] = mapped_column(Float, default=None)
    kind: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str | None] = mapped_column(String(20), default=None)  # PER, LOC, ORG, MISC, DATE
    label: Mapped[str] = mapped_column(Text)
    authority_uri: Mapped[str | None] = mapped_column(String(1000), default=None)
    score: Mapped[float] = mapped_column(Float)
    enricher: Mapped[str] = mapped_column(String(100))
    enricher_version: Mapped[str] = mapped_column(String(400))  # names every model and authority version
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the enricher's why: mention, candidates, scores
    status: Mapped[str] = mapped_column(String(20), default="suggested")
    # who added it, when a person did (a volunteer's missing tag): they never review their own contribution
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_suggestions_created_by_users"), default=None
    )
    # volunteer outcome: accepted / rejected / edited when they agreed, disputed when a cataloger must decide
    consensus: Mapped[str | None] = mapped_column(String(20), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Lease(Base):
    """A hold on a suggestion: slot 0 is the cataloger's review, slots 1..N the volunteers' task copies.

    A slot is taken by inserting its row (the unique constraint lets one holder win) or by taking over an
    expired, unfinished one with a conditional update; `done` marks a slot whose holder has answered.
    """

    __tablename__ = "leases"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "slot"),
        UniqueConstraint("suggestion_id", "holder_id"),
        Index("ix_leases_holder", "holder_id", "expires_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Vote(Base):
    """A volunteer's answer on a suggestion: accept, reject, or edit (with the corrected label/URI)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(Text, default=None)
    authority_uri: Mapped[str | None] = mapped_column(String(1000), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Decision(Base):
    """One change of a suggestion's state; append-only."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id", ondelete="SET NULL"), default=None)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), default=None, index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    action: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str] = mapped_column(String(50), default="")
    target_id: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StreamMember(Base):
    """One immutable version in an organisation's event stream: a record as ingested, or a decided enrichment."""

    __tablename__ = "stream_members"
    __table_args__ = (Index("ix_stream_members_org_id", "organisation_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), default=None)
    kind: Mapped[str] = mapped_column(String(20))  # "record" | "annotation"
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuthorityEntry(Base):
    """One concept, person or place of an authority, as its file gave it; entity linking indexes these."""

    __tablename__ = "authority_entries"
    __table_args__ = (UniqueConstraint("authority_id", "uri"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(1000))
    label: Mapped[str] = mapped_column(Text)
    alt_labels: Mapped[list[str]] = mapped_column(default=list)
    types: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuthorityLoad(Base):
    """What an authority's entries were last loaded from: the version (a content hash) keys the index caches."""

    __tablename__ = "authority_loads"
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(20))
    entries: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
