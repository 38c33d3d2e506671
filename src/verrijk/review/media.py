"""What a person sees of a record's medium: where a suggestion sits in it (a Media Fragments selector, a region
`xywh` in pixels or percent, or a time span `t`), the medium's size, and a preview verrijk serves itself (pages
load media only from verrijk: the Content-Security-Policy allows no other origin, and the media rules of
verrijk.enrich.media, size caps and refused private addresses, apply to what is shown as to what is enriched).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from io import BytesIO
from threading import Lock

from PIL import Image

from verrijk.config import Settings
from verrijk.enrich.media import MediaError, open_image, read, upright_size
from verrijk.errors import BadInput, NotFound
from verrijk.store.repo import Repo
from verrijk.store.tables import Media, Record, Suggestion

MEDIA_FIELD = re.compile(r"^media\.(\d+)$")
XYWH = re.compile(r"^xywh=(?:(pixel|percent):)?(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$")
TIME = re.compile(r"^t=(?:npt:)?(\d+(?:\.\d+)?)?(?:,(\d+(?:\.\d+)?))?$")
PREVIEW_CACHE = 256  # previews kept in memory: a page of thumbnails is not read and scaled again on every view


@dataclass(frozen=True)
class Fragment:
    """A Media Fragments selector (https://www.w3.org/TR/media-frags/): a region or a time span."""

    region: tuple[float, float, float, float] | None = None  # x, y, w, h
    percent: bool = False  # region in percent of the width and height, else in the original's pixels
    start: float | None = None  # seconds
    end: float | None = None

    @classmethod
    def parse(cls, value: str) -> Fragment:
        """`xywh=[pixel:|percent:]x,y,w,h` or `t=[npt:]start[,end]`; BadInput for anything else."""
        value = value.strip()
        if match := XYWH.match(value):
            unit, *numbers = match.groups()
            return cls(region=tuple(float(n) for n in numbers), percent=unit == "percent")  # type: ignore[arg-type]
        if (match := TIME.match(value)) and (match.group(1) or match.group(2)):
            start, end = match.groups()
            return cls(start=float(start or 0), end=float(end) if end else None)
        raise BadInput(f"{value!r} is not a Media Fragments selector such as xywh=10,20,300,40 or t=12.5,15")

    @property
    def value(self) -> str:
        if self.region is not None:
            return ("xywh=percent:" if self.percent else "xywh=") + ",".join(_number(v) for v in self.region)
        return f"t={_number(self.start or 0)}" + (f",{_number(self.end)}" if self.end is not None else "")

    def pixels(self, width: int | None, height: int | None) -> tuple[float, float, float, float] | None:
        """The region in the original's pixels (None when it is in percent and the size is unknown)."""
        if self.region is None or (self.percent and not (width and height)):
            return None
        if not self.percent:
            return self.region
        x, y, w, h = self.region
        return x * width / 100, y * height / 100, w * width / 100, h * height / 100  # type: ignore[operator]

    def scaled(self, fx: float, fy: float) -> Fragment:
        """The same region in another frame of reference (a IIIF canvas of another size than the image)."""
        if self.region is None or self.percent:
            return self
        x, y, w, h = self.region
        return Fragment(region=(round(x * fx), round(y * fy), round(w * fx), round(h * fy)))


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def selector_of(s: Suggestion) -> Fragment | None:
    """Where in its medium a suggestion sits: its region (image pixels), its time span, or a selector string an
    enricher left in `extra["selector"]`; None for suggestions on text."""
    if s.region:
        return Fragment(region=tuple(float(v) for v in s.region))  # type: ignore[arg-type]
    if s.time_start is not None:
        return Fragment(start=s.time_start, end=s.time_end)
    value = (s.extra or {}).get("selector")
    if isinstance(value, str):
        try:
            return Fragment.parse(value)
        except BadInput:
            return None
    return None


def medium_of(record: Record, field: str) -> Media | None:
    """The medium a field such as `media.0` names (the record's media in position order)."""
    match = MEDIA_FIELD.match(field)
    if not match:
        return None
    position = int(match.group(1))
    return next((m for m in record.media if m.position == position), None)


@dataclass
class MediaView:
    """A medium as a page shows it: the URL verrijk serves it at, its kind and size, and the suggestion's place."""

    record_id: int
    position: int
    kind: str  # image, audio, video
    width: int | None
    height: int | None
    fragment: Fragment | None

    @property
    def url(self) -> str:
        return preview_path(self.record_id, self.position)

    @property
    def overlay(self) -> tuple[float, float, float, float, float, float] | None:
        """(viewBox width, viewBox height, x, y, w, h) of an SVG drawn over the image: the region in the original's
        pixels, or a region in percent on a 100x100 box when the size is unknown; None without a region."""
        if self.fragment is None or self.fragment.region is None:
            return None
        if self.width and self.height:
            return (self.width, self.height, *self.fragment.pixels(self.width, self.height))  # type: ignore[misc]
        return (100, 100, *self.fragment.region) if self.fragment.percent else None


def preview_path(record_id: int, position: int) -> str:
    return f"/records/{record_id}/media/{position}"


def media_view(record: Record, s: Suggestion) -> MediaView | None:
    medium = medium_of(record, s.field)
    if medium is None:
        return None
    return MediaView(record.id, medium.position, medium.kind, medium.width, medium.height, selector_of(s))


def measure(repo: Repo, settings: Settings, views: list[MediaView]) -> None:
    """Fill in the size of images the store does not know yet (a CSV media column says nothing of it) by reading
    them once; the size is kept on the medium, so the next page knows it. A medium that cannot be read stays
    without a size (the page then shows it without the region drawn)."""
    unknown = {(v.record_id, v.position) for v in views if v.kind == "image" and not (v.width and v.height)}
    if not unknown:
        return
    records = repo.records_by_id({record_id for record_id, _ in unknown}, media=True)
    sizes: dict[tuple[int, int], tuple[int, int]] = {}
    for record_id, position in unknown:
        medium = medium_of(records[record_id], f"media.{position}")
        if medium is None:
            continue
        try:
            sizes[record_id, position] = _size_of(medium, settings)
        except MediaError:
            continue
    for v in views:
        if (v.record_id, v.position) in sizes:
            v.width, v.height = sizes[v.record_id, v.position]
    repo.session.commit()


def _size_of(medium: Media, settings: Settings) -> tuple[int, int]:
    found = read(medium.url, settings)
    if found.full_size:
        width, height = found.full_size
    else:
        try:
            width, height = upright_size(Image.open(BytesIO(found.data)))  # the header only
        except (OSError, SyntaxError, ValueError) as exc:
            raise MediaError(f"{medium.url}: cannot be decoded ({exc})") from None
    medium.width, medium.height = width, height
    return width, height


@dataclass(frozen=True)
class Preview:
    data: bytes
    mime: str


class _Cache:
    """The last PREVIEW_CACHE previews by (medium URL, size, region), shared by the process's requests."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict[tuple, Preview](), Lock()

    def get(self, key: tuple) -> Preview | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple, value: Preview) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_previews = _Cache(PREVIEW_CACHE)


def preview(
    repo: Repo, settings: Settings, record_id: int, position: int, size: int, region: str | None = None
) -> Preview:
    """A record's medium as a page shows it: an image as a JPEG whose longest side is at most `size` (cut to the
    `xywh` region first when one is given), audio and video as they are."""
    record = repo.record(record_id)
    medium = medium_of(record, f"media.{position}")
    if medium is None:
        raise NotFound(f"record {record_id} has no medium at position {position}")
    crop = Fragment.parse(region) if region else None
    if crop is not None and crop.region is None:
        raise BadInput(f"{region!r}: a preview is cut to a region (xywh=...), not to a time span")
    key = (medium.url, size, crop)
    cached = _previews.get(key)
    if cached is not None:
        return cached
    found = read(medium.url, settings)
    if found.kind != "image":
        result = Preview(found.data, found.mime)
    else:
        image = open_image(found, settings)
        full = found.full_size or image.size
        if (medium.width, medium.height) != full:
            medium.width, medium.height = full
            repo.session.commit()
        if crop is not None:
            x, y, w, h = crop.pixels(*full)  # type: ignore[misc]
            fx, fy = image.width / full[0], image.height / full[1]
            box = (round(x * fx), round(y * fy), round((x + w) * fx), round((y + h) * fy))
            if box[2] <= box[0] or box[3] <= box[1]:
                raise BadInput(f"{region!r} is an empty region")
            image = image.crop(box)
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        out = BytesIO()
        image.save(out, "JPEG", quality=85)
        result = Preview(out.getvalue(), "image/jpeg")
    _previews.put(key, result)
    return result
