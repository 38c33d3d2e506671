"""video.frames: the frames of a video worth looking at, through image enrichers, each suggestion placed at its
frame's time (and, for regions, where in the frame: `t=` plus `xywh=`).

A frame is taken at the start of the video, at every scene change (the picture differs from the one a tenth of a
second before by more than `threshold`, compared as 32x32 thumbnails by their pixels and their colours, and at
least `min_gap` seconds after the frame taken last) and `every` seconds into a scene that lasts, at most `limit`
in all. Scene detection decodes every frame (cheap next to the models that look at the frames taken); with
`threshold` 0 only key frames are decoded (FFmpeg skips the others) and one is taken every `every` seconds. The
video must stay within the deployment's duration cap and each frame within its pixel cap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from verrijk.config import Settings
from verrijk.enrich.audio.decode import pyav, too_long
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.config import organisation_config
from verrijk.enrich.image.base import ImageEnricher
from verrijk.enrich.media import MediaError, MediaTooLarge, Medium, read
from verrijk.enrich.registry import REGISTRY
from verrijk.errors import Invalid

THUMB = 32  # pictures are compared as THUMB x THUMB RGB thumbnails: fine detail and grain average out
STEP = 0.1  # seconds between two compared pictures
EPS = 1e-3  # frame times are rounded by the container's time base


@dataclass(frozen=True)
class Sampling:
    """Which frames are taken: see the module's docstring."""

    every: float = 10.0
    limit: int = 30
    threshold: float = 0.12
    min_gap: float = 1.0


def change(a: np.ndarray, b: np.ndarray) -> float:
    """How much two thumbnails differ, 0 (the same) to 1: the mean of the mean absolute difference of their pixels
    (where things are) and the distance between their colour histograms (which colours there are: it tells
    apart two busy patterns that blur to the same thumbnail, and ignores motion)."""
    pixels = float(np.abs(a.astype(np.int16) - b).mean()) / 255
    return (pixels + histogram_distance(a, b)) / 2


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Half the L1 distance between the two thumbnails' 8-bin-per-channel histograms, averaged over R, G, B."""
    ha, hb = (np.stack([np.bincount(x[..., c].ravel() >> 5, minlength=8) for c in range(3)]) for x in (a, b))
    return float(np.abs(ha - hb).sum()) / (2 * 3 * a[..., 0].size)


def key_frames(medium: Medium, settings: Settings, sampling: Sampling) -> Iterator[tuple[float, Image.Image]]:
    """(time in seconds, RGB image) of each frame taken, in order."""
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
            stream.codec_context.skip_frame = "DEFAULT" if sampling.threshold else "NONKEY"
            last: float | None = None  # time of the frame taken last
            compared, previous, cut, taken = -STEP, None, False, 0
            for frame in container.decode(stream):
                t = float(frame.time or 0.0)
                if t > settings.media_max_seconds:
                    raise too_long(medium.source, t, settings)
                if frame.width * frame.height > settings.media_max_pixels:
                    raise MediaTooLarge(f"{medium.source}: frames of {frame.width}x{frame.height} pixels, too many")
                if sampling.threshold and t + EPS >= compared + STEP:
                    thumb = frame.reformat(width=THUMB, height=THUMB, format="rgb24").to_ndarray()
                    cut = cut or (previous is not None and change(thumb, previous) > sampling.threshold)
                    previous, compared = thumb, t
                if not (
                    last is None or (cut and t + EPS >= last + sampling.min_gap) or t + EPS >= last + sampling.every
                ):
                    continue
                yield round(t, 2), frame.to_image().convert("RGB")
                last, cut, taken = t, False, taken + 1
                if taken >= sampling.limit:
                    return
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, IndexError) as exc:
        raise MediaError(f"{medium.source}: the {medium.mime} file cannot be decoded ({exc})") from None


class FramesEnricher(Enricher):
    """Frames of a video (one per scene, and every so often in a long one) through image enrichers, each
    suggestion at its frame's time."""

    name: ClassVar[str] = "video.frames"
    accepts: ClassVar[frozenset[str]] = frozenset({"video"})
    reads_protected_content: ClassVar[bool] = True  # the image enrichers it runs may read the content (OCR)

    def __init__(self, settings: Settings, enrichers: Sequence[ImageEnricher], sampling: Sampling = Sampling()):
        self.settings, self.enrichers, self.sampling = settings, list(enrichers), sampling
        self.version = "video.frames-2+" + "+".join(e.version for e in self.enrichers)

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        frames = [list(key_frames(read(item.url or "", self.settings), self.settings, self.sampling)) for item in items]
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
    sampling = Sampling(params["every"], params["limit"], params["threshold"], params["min_gap"])
    return FramesEnricher(context.settings, inner, sampling)
