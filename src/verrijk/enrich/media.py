"""Media input for enrichers and the API: read a medium from a local file, an http(s) URL or an IIIF Image API
service, sniff its type from its bytes, and decode images within caps (size, pixels, truncation).

Every failure is a `MediaError` (a BadInput, or TooLarge for a medium over the size cap) whose message says what
is wrong with which medium, so an API call answers 4xx and a job records the item as failed and goes on.

Network safety: URLs are read through verrijk.fetch (http(s) only, redirects checked again, private, loopback and
link-local hosts refused unless listed in `media_allowed_hosts`, a timeout and a size cap). Local files are read
only under the folders of `media_dirs` (and the demo's own media shipped with verrijk).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageOps

from verrijk import fetch
from verrijk.config import SHIPPED_MEDIA_DIR, Settings
from verrijk.errors import BadInput, TooLarge

# (magic bytes at offset, mime, kind); checked in order
SIGNATURES: tuple[tuple[int, bytes, str, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg", "image"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png", "image"),
    (0, b"GIF87a", "image/gif", "image"),
    (0, b"GIF89a", "image/gif", "image"),
    (0, b"II*\x00", "image/tiff", "image"),
    (0, b"MM\x00*", "image/tiff", "image"),
    (8, b"WEBP", "image/webp", "image"),
    (4, b"ftypavif", "image/avif", "image"),
    (0, b"BM", "image/bmp", "image"),
    (0, b"ID3", "audio/mpeg", "audio"),
    (0, b"\xff\xfb", "audio/mpeg", "audio"),
    (0, b"\xff\xf3", "audio/mpeg", "audio"),
    (0, b"\xff\xf2", "audio/mpeg", "audio"),
    (0, b"\xff\xf1", "audio/aac", "audio"),
    (0, b"\xff\xf9", "audio/aac", "audio"),
    (0, b"fLaC", "audio/flac", "audio"),
    (0, b"OggS", "audio/ogg", "audio"),
    (8, b"WAVE", "audio/wav", "audio"),
    (8, b"AIFF", "audio/aiff", "audio"),
    (4, b"ftypM4A", "audio/mp4", "audio"),
    (4, b"ftyp", "video/mp4", "video"),
    (0, b"\x1aE\xdf\xa3", "video/webm", "video"),
)


class MediaError(BadInput):
    """A medium that cannot be read or used; the message names it and says why."""


class MediaTooLarge(MediaError, TooLarge):
    status = 413


@dataclass(frozen=True)
class Medium:
    """The bytes of one medium with what they are. `full_size` is the original's size when an IIIF service was
    asked for a smaller rendering (regions found on the rendering scale up to it)."""

    data: bytes
    mime: str
    kind: str  # image, audio, video
    source: str
    full_size: tuple[int, int] | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> tuple[str, str] | None:
    """(mime, kind) from the first bytes, or None when they are no image, audio or video format known here."""
    for offset, magic, mime, kind in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return mime, kind
    return None


def medium_of(data: bytes, source: str, full_size: tuple[int, int] | None = None) -> Medium:
    """A Medium from bytes, typed by their content whatever the name says."""
    if not data:
        raise MediaError(f"{source}: the file is empty")
    found = sniff(data)
    if found is None:
        start = data[:200].lstrip()
        what = "text" if start[:1] in (b"{", b"[", b"<") or _is_text(data[:512]) else "an unknown format"
        raise MediaError(f"{source}: the content is {what}, not an image, audio or video file", status=415)
    return Medium(data, found[0], found[1], source, full_size)


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read(source: str, settings: Settings) -> Medium:
    """A record's medium from a local path (under media_dirs), a file:// URL, an http(s) URL or an IIIF Image
    service (its base URL or info.json)."""
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return _read_url(source, settings)
    if scheme == "file" or scheme == "" or (len(scheme) == 1 and Path(source).is_absolute()):
        path = Path(urlsplit(source).path if scheme == "file" else source)
        return _read_file(path, settings)
    raise MediaError(f"{source}: scheme {scheme!r} is not read; use http(s) or a local file")


def _read_file(path: Path, settings: Settings) -> Medium:
    resolved = path.resolve()
    roots = [Path(d).resolve() for d in (*settings.media_dirs, SHIPPED_MEDIA_DIR)]
    if not any(resolved.is_relative_to(root) for root in roots):
        raise MediaError(f"{path}: local files are read only under the media folders (VERRIJK_MEDIA_DIRS)")
    if not resolved.is_file():
        raise MediaError(f"{path}: no such file")
    cap = _cap(settings)
    if resolved.stat().st_size > cap:
        raise MediaTooLarge(f"{path}: {resolved.stat().st_size} bytes, more than the limit of {cap}")
    return medium_of(resolved.read_bytes(), str(path))


def _cap(settings: Settings) -> int:
    return int(settings.media_max_mb * 1024 * 1024)


def policy(settings: Settings) -> fetch.Policy:
    """How media are fetched: media_allowed_hosts, media_timeout_s, media_max_mb."""
    return fetch.Policy(
        frozenset(settings.media_allowed_hosts), "VERRIJK_MEDIA_ALLOWED_HOSTS", settings.media_timeout_s, _cap(settings)
    )


def _get(url: str, settings: Settings) -> tuple[bytes, str]:
    """The body of a GET through the safe fetch (verrijk.fetch) and its content type."""
    try:
        fetched = fetch.get(url, policy(settings))
    except fetch.FetchTooLarge as exc:
        raise MediaTooLarge(str(exc)) from None
    except fetch.FetchError as exc:
        raise MediaError(str(exc), status=exc.status) from None
    if fetched.status >= 400:
        raise MediaError(f"{fetched.url}: the server answered {fetched.status}")
    return fetched.content, fetched.headers.get("content-type", "")


def _read_url(url: str, settings: Settings) -> Medium:
    data, content_type = _get(url, settings)
    info = _iiif_info(data, content_type)
    if info is None:
        return medium_of(data, url)
    service = str(info.get("id") or info.get("@id") or url.removesuffix("/info.json")).rstrip("/")
    size = settings.media_iiif_size
    rendering = f"{service}/full/!{size},{size}/0/default.jpg"
    data, _ = _get(rendering, settings)
    full = (info.get("width"), info.get("height"))
    return medium_of(data, rendering, full if all(isinstance(v, int) and v > 0 for v in full) else None)


def _iiif_info(data: bytes, content_type: str) -> dict | None:
    """The info.json of an IIIF Image API service, when that is what the URL answered."""
    if "json" not in content_type and data[:1] != b"{":
        return None
    try:
        info = json.loads(data)
    except ValueError:
        return None
    context = json.dumps(info.get("@context", "")) if isinstance(info, dict) else ""
    return info if "iiif.io/api/image" in context else None


# EXIF Orientation values whose upright image is the stored one turned a quarter (width and height swap)
QUARTER_TURNS = frozenset({5, 6, 7, 8})
ORIENTATION = 0x0112


def upright_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) of an opened (not necessarily decoded) image as it is shown: after its EXIF Orientation."""
    width, height = image.size
    return (height, width) if image.getexif().get(ORIENTATION) in QUARTER_TURNS else (width, height)


def open_image(medium: Medium, settings: Settings) -> Image.Image:
    """The decoded image in RGB, upright (its EXIF Orientation applied, as browsers and IIIF servers show it, so
    every region found on it is in the coordinates a viewer draws in), after checking its declared size against
    media_max_pixels before decoding, and decoded completely (a truncated file fails here, not halfway through an
    enricher). Pillow's own limit (Image.MAX_IMAGE_PIXELS) stays as a second guard for anything else in the
    process that opens images."""
    if medium.kind != "image":
        raise MediaError(f"{medium.source}: {medium.mime} is not an image", status=415)
    try:
        image = Image.open(BytesIO(medium.data))  # reads the header only; Pillow refuses > 2x its own limit here
        width, height = image.size
        if width * height > settings.media_max_pixels:
            raise MediaTooLarge(
                f"{medium.source}: {width}x{height} pixels, more than the limit of {settings.media_max_pixels}"
            )
        image.load()
        image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(f"{medium.source}: {exc}") from None
    except MediaError:
        raise
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"{medium.source}: the {medium.mime} file cannot be decoded ({exc})") from None
    return image if image.mode == "RGB" else image.convert("RGB")
