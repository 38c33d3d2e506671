"""The demo data shipped with verrijk (see ATTRIBUTION.md) and the one way to load its collection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

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
