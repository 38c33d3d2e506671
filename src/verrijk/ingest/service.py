"""The one ingest operation behind the CLI and the API: sniff, read, validate, store in batches, report."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from verrijk import fetch
from verrijk.config import Settings
from verrijk.domain import JobStatus
from verrijk.ingest.base import IngestError, Mapping, RecordInvalid, Reject, SourceItem, validate
from verrijk.ingest.iiif import harvest_iiif, read_iiif
from verrijk.ingest.ldes import LdesReader
from verrijk.ingest.oai import harvest, read_oai
from verrijk.ingest.tabular import read_csv, read_jsonl
from verrijk.store.repo import QuotaExceeded, Repo, touch

FORMATS = ("csv", "jsonl", "oai-dc", "iiif", "ldes")
STREAMED = ("ldes",)  # formats whose later versions of a record replace earlier ones
MAX_REPORTED_REJECTS = 1000
log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    source: str
    format: str
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: list[Reject] = field(default_factory=list)
    rejected_count: int = 0
    error: str | None = None
    job_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.rejected_count == 0

    def summary(self) -> str:
        verb = "would store" if self.dry_run else "stored"
        text = (
            f"{self.source}: read {self.read}, {verb} {self.created} new and {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected_count} rejected"
        )
        if self.deleted:
            text += f", {self.deleted} marked deleted at the source (left in place)"
        return text + (f"; stopped: {self.error}" if self.error else "")

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.format,
            "dry_run": self.dry_run,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "rejected_count": self.rejected_count,
            "rejected": [{"location": r.location, "field": r.field, "message": r.message} for r in self.rejected],
            "error": self.error,
            "job_id": self.job_id,
            "summary": self.summary(),
        }


# files people reach for that are no input: what each is (by its first bytes) and what to do, for the error
BINARY = (
    (b"PK\x03\x04", "a ZIP archive (an Excel or OpenDocument spreadsheet?)", ": save the sheet as CSV (UTF-8)"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (an .xls spreadsheet?)", ": save the sheet as CSV (UTF-8)"),
    (b"%PDF", "a PDF", ""),
)
READABLE = "CSV/TSV, JSON Lines, OAI-PMH XML, a IIIF manifest"


def sniff(name: str, head: bytes) -> str:
    """The format of an input from its name and first bytes; IngestError for a spreadsheet, a PDF or another binary
    file (read as CSV it would only fail on its first row)."""
    lower = name.lower()
    if lower.startswith(("http://", "https://")):
        if "ldes" in lower or "eventstream" in lower:
            return "ldes"
        return "iiif" if urlsplit(lower).path.endswith(".json") or "manifest" in lower else "oai-dc"
    for suffix, fmt in (
        (".csv", "csv"),
        (".tsv", "csv"),
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".xml", "oai-dc"),
    ):
        if lower.endswith(suffix):
            return fmt
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "oai-dc"
    if text.startswith((b"{", b"[")):
        if b"iiif.io/api/presentation" in head or b'"Manifest"' in head:
            return "iiif"
        return "jsonl"
    if lower.endswith(".json"):
        return "iiif"
    for magic, what, advice in BINARY:
        if head.startswith(magic):
            raise IngestError(f"{name} is {what}, not an input verrijk reads ({READABLE}){advice}")
    if b"\0" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NULs, after a BOM
        raise IngestError(f"{name} is a binary file, not an input verrijk reads ({READABLE})")
    return "csv"


def harvest_policy(settings: Settings) -> fetch.Policy:
    """How URLs are harvested: harvest_allowed_hosts, harvest_timeout_s, harvest_max_mb."""
    return fetch.Policy(
        frozenset(settings.harvest_allowed_hosts),
        "VERRIJK_HARVEST_ALLOWED_HOSTS",
        settings.harvest_timeout_s,
        int(settings.harvest_max_mb * 1024 * 1024),
        {"User-Agent": "verrijk-harvester"},
    )


def read_items(
    source: str,
    data: bytes | None,
    fmt: str,
    mapping: Mapping | None,
    encoding: str,
    state: dict,
    policy: fetch.Policy,
) -> Iterator[SourceItem]:
    name = Path(source).name if not source.startswith("http") else source
    if fmt == "oai-dc" and data is None:
        return harvest(source, policy)
    if fmt == "iiif" and data is None:
        return harvest_iiif(source, policy)
    if fmt == "ldes":
        if data is not None:
            raise IngestError("an event stream is read from its URL, not from a file")
        return LdesReader(source, state, policy).items()
    assert data is not None
    if fmt == "csv":
        return read_csv(data, name, mapping, encoding)
    if fmt == "jsonl":
        return read_jsonl(data, name, mapping, encoding)
    if fmt == "oai-dc":
        return read_oai(data, name)
    if fmt == "iiif":
        return read_iiif(data, name)
    raise IngestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def resume_state(repo: Repo, collection_slug: str, source: str) -> dict:
    """Where the last read of this stream into this collection stopped (empty for a first read)."""
    for job in repo.jobs(limit=100).items:
        if job.kind == "ingest" and job.params.get("source") == source and "stream_state" in (job.result or {}):
            if job.params.get("collection") in (None, collection_slug):
                return dict(job.result["stream_state"])
    return {}


def read_source(path: str) -> bytes | None:
    """The bytes of a local file, or None for a URL to harvest."""
    if path.startswith(("http://", "https://")):
        return None
    p = Path(path)
    if p.is_dir():
        raise IngestError(f"{path} is a folder; give one file (or a URL to harvest)")
    try:
        return p.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror}") from exc


def ingest(
    session: Session,
    repo: Repo,
    collection_slug: str,
    source: str,
    data: bytes | None = None,
    fmt: str | None = None,
    mapping: Mapping | None = None,
    encoding: str = "utf-8",
    dry_run: bool = False,
    batch_size: int = 500,
    progress: Callable[[int, int | None], None] | None = None,
    collection_attrs: dict | None = None,
    settings: Settings | None = None,
) -> IngestReport:
    """Read one input into a collection. Each batch is one transaction; bad records are reported and skipped.

    `data` is the input's bytes (read from `source` when None and `source` is a path; harvested when it is a
    URL, within the settings' harvest_* limits). Nothing is written when `dry_run` is set. The report lists
    every rejected record with location, field and reason.
    """
    if data is None and fmt != "ldes":
        data = read_source(source)
    fmt = fmt or sniff(source, (data or b"")[:4096])
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    report = IngestReport(source=source, format=fmt, dry_run=dry_run)
    state = resume_state(repo, collection_slug, source) if fmt in STREAMED else {}
    items: Iterable[SourceItem] = read_items(
        source, data, fmt, mapping, encoding, state, harvest_policy(settings or Settings())
    )
    if data is not None:
        items = list(items)  # parse the whole file first: a fatal error then stops before anything is stored
    total = len(items) if isinstance(items, list) else None

    collection = None if dry_run else repo.ensure_collection(collection_slug, **(collection_attrs or {}))
    job = None
    if not dry_run:
        job = repo.create_job("ingest", collection, {"source": source, "format": fmt, "collection": collection_slug})
        touch(job, status=JobStatus.running, total=total or 0)
        session.commit()
        report.job_id = job.id
    where = {"organisation_id": repo.org_id, "job_id": report.job_id, "collection": collection_slug}
    log.info("ingest of %s (%s) started", source, fmt, extra={**where, "total": total, "dry_run": dry_run})
    default_rights = collection.default_rights if collection else None

    seen: dict[str, str] = {}
    batch: list[dict] = []

    def flush() -> None:
        if not batch:
            return
        if dry_run:
            try:
                existing = repo.existing_source_ids(repo.collection(collection_slug), [b["source_id"] for b in batch])
            except LookupError:
                existing = set()
            report.created += sum(1 for b in batch if b["source_id"] not in existing)
            report.updated += len(batch) - sum(1 for b in batch if b["source_id"] not in existing)
        else:
            result = repo.upsert_records(collection, batch)
            report.created += result.created
            report.updated += result.updated
            report.unchanged += result.unchanged
            touch(job, done=report.read, result={"stream_state": dict(state)} if state else job.result)
            session.commit()
            log.info(
                "ingest batch stored: %d read, %d rejected",
                report.read,
                report.rejected_count,
                extra={**where, "read": report.read, "total": total, "rejected": report.rejected_count},
            )
        batch.clear()

    try:
        for item in items:
            report.read += 1
            if item.deleted:
                report.deleted += 1
                continue
            try:
                record = validate(item, default_rights)
                first = seen.get(record["source_id"])
                if first and fmt in STREAMED:  # a newer version: it replaces the one waiting in this batch
                    batch[:] = [b for b in batch if b["source_id"] != record["source_id"]]
                elif first:
                    raise RecordInvalid(
                        "source_id", f"{record['source_id']!r} already appeared at {first}; this occurrence is skipped"
                    )
                seen[record["source_id"]] = item.location
                batch.append(record)
            except RecordInvalid as exc:
                report.rejected_count += 1
                if len(report.rejected) < MAX_REPORTED_REJECTS:
                    report.rejected.append(Reject(item.location, exc.field, str(exc)))
            if len(batch) >= batch_size:
                flush()
            if progress:
                progress(report.read, total)
        flush()
    except (IngestError, QuotaExceeded) as exc:
        session.rollback()
        report.error = str(exc)
    finally:
        if job is not None:
            touch(
                job,
                status=JobStatus.failed if report.error else JobStatus.done,
                done=report.read,
                total=report.read,
                result=report.as_dict()
                | {"rejected": report.as_dict()["rejected"][:50]}
                | ({"stream_state": state} if state else {}),
                error=report.error,
            )
            repo.audit("ingest", "collection", collection_slug, summary=report.summary())
            session.commit()
    log.log(
        logging.INFO if report.ok else logging.WARNING,
        "ingest done: %s",
        report.summary(),
        extra={
            **where,
            "read": report.read,
            "new": report.created,  # "created" is a LogRecord attribute
            "updated": report.updated,
            "unchanged": report.unchanged,
            "deleted": report.deleted,
            "rejected": report.rejected_count,
            "error": report.error,
        },
    )
    return report
