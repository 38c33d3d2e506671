"""image.exif: the few safe facts a photo's EXIF block holds, as suggestions: when it was taken, with what camera,
and (only when the organisation asks for it) where, coarsely.

Read from the file's header, without decoding the pixels. Only a whitelist is read: DateTimeOriginal (else
DateTime), Make and Model, Orientation, and the GPS position. Free-text and identifying fields (ImageDescription,
UserComment, Artist, Copyright, XP* comments, OwnerName, body and lens serial numbers, MakerNote) are never
read, so nothing a photographer typed or a device leaked about its owner is copied into a suggestion.

- date: a `tag` with entity_type DATE, the day as EDTF (`2019-05-04`), score 0.5: for a digitised heritage
  object it is the date of the *digital capture*, not of the object, which `extra.meaning` says.
- camera: a `tag` "Make Model" (the make once), score 0.9.
- position: off by default (`gps`): where a photo was taken can reveal a home or a living person's whereabouts.
  When on, a `tag` with entity_type LOC, "lat, lon" rounded to `gps_decimals` (2: about 1 km), and the rounding
  in `extra.precision_m`.
Every suggestion's `extra.orientation` is the EXIF orientation (1 upright, 3 upside down, 6 and 8 turned a
quarter) when the file has one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from io import BytesIO
from typing import ClassVar

from PIL import Image

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Item, Proposal
from verrijk.enrich.image.base import ImageEnricher
from verrijk.enrich.media import ORIENTATION, MediaError, Medium, read

MAKE, MODEL, DATE_TIME = 0x010F, 0x0110, 0x0132
EXIF_IFD, GPS_IFD, DATE_TIME_ORIGINAL = 0x8769, 0x8825, 0x9003
DATE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})")
METRES_PER_DEGREE = 111_320


def exif_of(medium: Medium) -> Image.Exif:
    """The EXIF block of an image file, read from its header (no pixels decoded)."""
    if medium.kind != "image":
        raise MediaError(f"{medium.source}: {medium.mime} is not an image", status=415)
    try:
        return Image.open(BytesIO(medium.data)).getexif()
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"{medium.source}: the {medium.mime} file cannot be read ({exc})") from None


def _text(value: object) -> str:
    return (value.decode("latin-1") if isinstance(value, bytes) else str(value or "")).strip("\x00 \t\r\n")


def taken(exif: Image.Exif) -> str | None:
    """The day the photo was taken as EDTF (YYYY-MM-DD), from DateTimeOriginal, else DateTime."""
    for value in (exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL), exif.get(DATE_TIME)):
        found = DATE.match(_text(value))
        if found:
            year, month, day = map(int, found.groups())
            if 1826 <= year <= 2200 and 1 <= month <= 12 and 1 <= day <= 31:  # no photograph is older than 1826
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def camera(exif: Image.Exif) -> str | None:
    make, model = _text(exif.get(MAKE)), _text(exif.get(MODEL))
    if model.lower().startswith(make.lower()):
        make = ""
    return " ".join(p for p in (make, model) if p) or None


def position(exif: Image.Exif) -> tuple[float, float] | None:
    """(latitude, longitude) in degrees, or None when the GPS block lacks them."""
    gps = exif.get_ifd(GPS_IFD)
    try:
        lat, lon = (sum(float(v) / 60**i for i, v in enumerate(gps[key])) for key in (2, 4))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    lat = -lat if _text(gps.get(1)).upper() == "S" else lat
    lon = -lon if _text(gps.get(3)).upper() == "W" else lon
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


class ExifEnricher(ImageEnricher):
    """When a photo was taken and with what camera (and, when asked, where, coarsely), from its EXIF block."""

    name: ClassVar[str] = "image.exif"
    version = "image.exif-1"

    def __init__(self, settings: Settings, gps: bool = False, gps_decimals: int = 2):
        super().__init__(settings)
        self.gps, self.gps_decimals = gps, gps_decimals

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        exifs = [exif_of(read(item.url or "", self.settings)) for item in items]
        return [self.proposals(exif) for exif in exifs]

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        return self.proposals(image.getexif())

    def proposals(self, exif: Image.Exif) -> list[Proposal]:
        common = {"orientation": int(exif[ORIENTATION])} if ORIENTATION in exif else {}
        found = []
        day = taken(exif)
        if day:
            meaning = "the day the digital image was taken: for a scan or reproduction, not the object's date"
            found.append(
                Proposal(SuggestionKind.tag, day, 0.5, entity_type="DATE", extra={**common, "meaning": meaning})
            )
        model = camera(exif)
        if model:
            found.append(Proposal(SuggestionKind.tag, model, 0.9, extra={**common, "meaning": "camera"}))
        where = position(exif) if self.gps else None
        if where:
            lat, lon = (round(v, self.gps_decimals) for v in where)
            extra = {**common, "lat": lat, "lon": lon, "precision_m": round(METRES_PER_DEGREE / 10**self.gps_decimals)}
            found.append(Proposal(SuggestionKind.tag, f"{lat}, {lon}", 0.9, entity_type="LOC", extra=extra))
        return found


create = ExifEnricher.create
