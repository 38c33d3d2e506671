"""The demo data shipped with verrijk (see ATTRIBUTION.md) and the one way to load its collections: the Rijksmuseum
Suriname records, and small media collections (open sample photos, rendered archive index cards, spoken clips)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from verrijk.config import SHIPPED_MEDIA_DIR, Settings
from verrijk.enrich.config import build, job_plan
from verrijk.errors import Unavailable
from verrijk.ingest.base import Mapping
from verrijk.ingest.service import IngestReport, ingest
from verrijk.store.repo import Repo

DEMO_DIR = Path(__file__).parent
COLLECTION_CSV = DEMO_DIR / "rijksmuseum_suriname.csv"
COLLECTION_MAPPING = DEMO_DIR / "rijksmuseum_suriname.mapping.csv"


def ingest_demo(
    session: Session,
    repo: Repo,
    collection: str,
    progress: Callable[[int, int | None], None] | None = None,
    **collection_attrs: Any,
) -> IngestReport:
    """Ingest the 3,668 Rijksmuseum Suriname records into a collection with the shipped column mapping."""
    return ingest(
        session,
        repo,
        collection,
        str(COLLECTION_CSV),
        fmt="csv",
        mapping=Mapping.load(COLLECTION_MAPPING),
        progress=progress,
        collection_attrs=collection_attrs,
    )


# the media collections: (slug, records file, collection attributes, image enrichers run over it)
MEDIA_COLLECTIONS = (
    (
        "beelden",
        "photos.jsonl",
        {
            "name": "Beelden (demo)",
            "description": "Voorbeeldfoto's van scikit-image, vrij van rechten; één ervan twee keer gescand.",
            "attribution": "Photos: scikit-image sample data (public domain and CC0), see ATTRIBUTION.md.",
        },
        ("image.objects", "image.colours", "image.hash"),
    ),
    (
        "fiches",
        "cards.jsonl",
        {
            "name": "Archieffiches (demo)",
            "description": "Fiches met Nederlandse en Franse opschriften, voor de tekstherkenning.",
            "attribution": "Index cards rendered for the verrijk demo (CC0).",
        },
        ("image.ocr", "image.colours"),
    ),
    (
        "geluid",
        "clips.jsonl",
        {
            "name": "Geluid (demo)",
            "description": "Twee korte Engelse opnames over Vlaamse schilders, gesproken door een Piper-stem.",
            "attribution": "Spoken clips: Piper voice en_US-joe-medium (CC0 dataset), made for the verrijk demo.",
        },
        ("audio.segments", "audio.transcript"),
    ),
)


def ingest_media_demo(session: Session, repo: Repo, slug: str, records_file: str, **attrs: Any) -> IngestReport:
    """Ingest one of the media collections, its records' media as file URLs into the shipped media folder."""
    lines = []
    for line in (SHIPPED_MEDIA_DIR / records_file).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record["media"] = [(SHIPPED_MEDIA_DIR / name).as_uri() for name in record["media"]]
        lines.append(json.dumps(record, ensure_ascii=False))
    data = "\n".join(lines).encode()
    return ingest(session, repo, slug, records_file, fmt="jsonl", data=data, collection_attrs=attrs)


def runnable(repo: Repo, settings: Settings, names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The enrichers among names that can be built here, and why the others cannot (Tesseract not installed ...)."""
    ok, problems = [], []
    for name in names:
        try:
            build(repo, settings, job_plan(repo, settings, [name]))
        except Unavailable as exc:
            problems.append(str(exc))
        else:
            ok.append(name)
    return ok, problems
