"""One image enriched on the fly (POST /enrich/media): read it, decode it within the caps, run the image enrichers
the caller names (or the organisation's), and give back what each proposes. Nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass

from verrijk.config import Settings
from verrijk.enrich.base import Proposal
from verrijk.enrich.config import upload_enrichers
from verrijk.enrich.image.base import ImageEnricher, scale_regions
from verrijk.enrich.image.hash import phash
from verrijk.enrich.media import MediaError, MediaTooLarge, Medium, medium_of, open_image, read
from verrijk.store.repo import Repo

DEFAULT_ENRICHERS = ("image.ocr", "image.colours")


@dataclass
class MediaAnalysis:
    medium: Medium
    width: int
    height: int
    phash: str
    proposals: list[tuple[str, Proposal]]  # (enricher name, proposal), regions in the original's pixels


def upload(data: bytes, name: str, settings: Settings) -> Medium:
    """A medium a caller sent, typed by its content; TooLarge over media_max_mb."""
    cap = int(settings.media_max_mb * 1024 * 1024)
    if len(data) > cap:
        raise MediaTooLarge(f"{name}: {len(data)} bytes, more than the limit of {cap}")
    return medium_of(data, name)


def analyse(
    repo: Repo,
    settings: Settings,
    source: Medium | str,
    names: list[str] | None = None,
    language: str | None = None,
) -> MediaAnalysis:
    """Enrich one image: an uploaded Medium, or a URL read under the media rules."""
    enrichers = upload_enrichers(repo, settings, names, "image", DEFAULT_ENRICHERS, ImageEnricher)
    medium = read(source, settings) if isinstance(source, str) else source
    if medium.kind != "image":
        raise MediaError(f"{medium.source}: {medium.mime} is {medium.kind}; this call reads images", status=415)
    image = open_image(medium, settings)
    proposals = [
        (enricher.name, p)
        for enricher in enrichers
        for p in scale_regions(enricher.propose(image, language), image, medium)
    ]
    width, height = medium.full_size or image.size
    return MediaAnalysis(medium, width, height, phash(image), proposals)
