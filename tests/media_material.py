"""Images the image tests and benchmarks/media.py generate: rendered Dutch and French captions, synthetic photos
with solid colour regions, altered copies of a photo, photos stored turned with an EXIF Orientation, and broken
files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

CAPTIONS = [
    ["Gezicht op de Schelde te Antwerpen, één zomerdag", "Café aan de Groenplaats, geëtst door Jacob Jordaens"],
    ["Procession de la Sainte-Dévotion à Liège", "Église Saint-Jacques, façade côté rue, été 1905"],
    ["Brief van de burgemeester aan het Stadhuis", "Kermis op de Grote Markt, ’s avonds verlicht"],
    ["Musée des Beaux-Arts, salle des maîtres flamands", "Théâtre royal: répétition générale, décembre"],
]
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def caption(lines: list[str], size: int = 28, noise: float = 0.0, angle: float = 0.0, seed: int = 0) -> Image.Image:
    """Lines rendered black on an off-white card; optional Gaussian noise (std in grey levels) and rotation."""
    face = font(size)
    width = max(int(face.getlength(line)) for line in lines) + 2 * size
    height = (len(lines) + 1) * int(size * 1.6)
    image = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((size, int(size * 0.8) + i * int(size * 1.6)), line, fill=(15, 15, 15), font=face)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(250, 248, 240))
    if noise:
        grain = np.random.default_rng(seed).normal(0, noise, (image.height, image.width, 1))
        pixels = np.asarray(image, dtype=np.float64) + grain
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return image


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference's length, whitespace runs counted as one space."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    return Levenshtein.distance(ref, hyp) / max(1, len(ref))


def regions(colours: list[tuple[int, int, int]], size: tuple[int, int] = (320, 240)) -> Image.Image:
    """Vertical bands of solid colours, widest first (halves, then quarters ...): a poster, a flag, a swatch."""
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    x = 0
    for i, colour in enumerate(colours):
        w = size[0] - x if i == len(colours) - 1 else (size[0] - x) // 2
        draw.rectangle([x, 0, x + w, size[1]], fill=colour)
        x += w
    return image


def photo(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A synthetic photograph: a lit gradient sky and ground, random shapes with shading, grain and a soft blur."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    top, bottom = rng.uniform(40, 230, 3), rng.uniform(20, 200, 3)
    horizon = rng.uniform(0.3, 0.7)
    light = np.exp(-(((xx - rng.uniform()) ** 2 + (yy - rng.uniform()) ** 2) / 0.2))
    base = np.where(yy[..., None] < horizon, top, bottom) * (0.6 + 0.4 * light[..., None])
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(4, 9)):
        x0, y0 = rng.integers(0, w - 40), rng.integers(0, h - 40)
        x1, y1 = x0 + rng.integers(30, w // 2), y0 + rng.integers(30, h // 2)
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=fill)
    grain = rng.normal(0, 6, (h, w, 1))
    image = Image.fromarray(np.clip(np.asarray(image, dtype=np.float64) + grain, 0, 255).astype(np.uint8))
    return image.filter(ImageFilter.GaussianBlur(1.2))


def altered(image: Image.Image) -> dict[str, Image.Image]:
    """Copies of an image as a second digitisation would make them."""
    w, h = image.size
    crop = (round(w * 0.03), round(h * 0.03), w - round(w * 0.03), h - round(h * 0.03))
    return {
        "resized": image.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "recompressed": Image.open(io.BytesIO(encode(image, "JPEG", quality=35))).convert("RGB"),
        "cropped": image.crop(crop),
        "greyscale": image.convert("L").convert("RGB"),
    }


def encode(image: Image.Image, format: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


# EXIF Orientation -> how a camera stores the upright picture turned (a viewer turns it back)
STORED_TURNED = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def turned_jpeg(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG holding the picture turned as a camera stores it, with the EXIF Orientation that turns it upright."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(upright.transpose(STORED_TURNED[orientation]), "JPEG", quality=95, exif=exif.tobytes())


def truncated_jpeg() -> bytes:
    data = encode(photo(1), "JPEG", quality=90)
    return data[: len(data) // 2]


def huge_png(width: int = 30000, height: int = 30000) -> bytes:
    """A valid bilevel PNG of width x height pixels that compresses to little: refused before decoding."""
    image = Image.new("1", (width, height))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
