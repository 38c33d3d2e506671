"""video.frames: key frames of a video, one per `every` seconds at most, through image enrichers, each
suggestion placed at its frame's time (and, for regions, where in the frame: `t=` plus `xywh=`).

Only key frames are decoded (FFmpeg skips the others), so a long video costs little; the video must stay within
the deployment's duration cap and each frame within its pixel cap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from io import BytesIO
from typing import Any, ClassVar

from PIL import Image

from verrijk.config import Settings
from verrijk.enrich.audio.decode import pyav, too_long
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.config import organisation_config
from verrijk.enrich.image.base import ImageEnricher
from verrijk.enrich.media import MediaError, MediaTooLarge, Medium, read
from verrijk.enrich.registry import REGISTRY
from verrijk.errors import Invalid


def key_frames(medium: Medium, settings: Settings, every: float, limit: int) -> Iterator[tuple[float, Image.Image]]:
    """(time in seconds, RGB image) of the first key frame at or after 0, every, 2 x every, ...; at most `limit`."""
    av = pyav()
    if medium.kind != "video":
        raise MediaError(f"{medium.source}: {medium.mime} is not a video", status=415)
    try:
        with av.open(BytesIO(medium.data), mode="r") as container:
            if not container.streams.video:
                raise MediaError(f"{medium.source}: the {medium.mime} file has no pictures", status=415)
            declared = container.duration / av.time_base if container.duration else 0.0
            if declared > settings.media_max_seconds:
                raise too_long(medium.source, declared, settings)
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = "NONKEY"
            due, taken = 0.0, 0
            for frame in container.decode(stream):
                t = float(frame.time or 0.0)
                if t > settings.media_max_seconds:
                    raise too_long(medium.source, t, settings)
                if t + 1e-3 < due:
                    continue
                if frame.width * frame.height > settings.media_max_pixels:
                    raise MediaTooLarge(f"{medium.source}: frames of {frame.width}x{frame.height} pixels, too many")
                yield round(t, 2), frame.to_image().convert("RGB")
                taken += 1
                if taken >= limit:
                    return
                due = (int(t / every) + 1) * every
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, IndexError) as exc:
        raise MediaError(f"{medium.source}: the {medium.mime} file cannot be decoded ({exc})") from None


class FramesEnricher(Enricher):
    """Key frames of a video through image enrichers, each suggestion at its frame's time."""

    name: ClassVar[str] = "video.frames"
    accepts: ClassVar[frozenset[str]] = frozenset({"video"})
    reads_protected_content: ClassVar[bool] = True  # the image enrichers it runs may read the content (OCR)

    def __init__(self, settings: Settings, enrichers: Sequence[ImageEnricher], every: float = 10.0, limit: int = 30):
        self.settings, self.enrichers, self.every, self.limit = settings, list(enrichers), every, limit
        self.version = "video.frames-1+" + "+".join(e.version for e in self.enrichers)

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        frames = [
            list(key_frames(read(item.url or "", self.settings), self.settings, self.every, self.limit))
            for item in items
        ]
        return [self.propose_frames(f, item.language) for item, f in zip(items, frames, strict=True)]

    def propose_frames(self, frames: Sequence[tuple[float, Image.Image]], language: str | None) -> list[Proposal]:
        """Every image enricher's proposals for every frame, each at the frame's time (regions in its pixels)."""
        proposals = []
        for t, image in frames:
            for enricher in self.enrichers:
                for p in enricher.propose(image, language):
                    p.time_start = p.time_end = t
                    p.extra = {**p.extra, "frame": t, "enricher": enricher.name}
                    proposals.append(p)
        return proposals


def create(params: dict[str, Any], context: Any) -> FramesEnricher:
    """The registry's factory: the named image enrichers, built with the organisation's parameters."""
    config = organisation_config(context.repo, context.settings)
    inner = []
    for name in params["enrichers"]:
        enricher = REGISTRY.get(name).build(config.params_for(name), context)
        if not isinstance(enricher, ImageEnricher):
            raise Invalid(f"video.frames runs image enrichers; {name!r} is not one")
        inner.append(enricher)
    return FramesEnricher(context.settings, inner, params["every"], params["limit"])
