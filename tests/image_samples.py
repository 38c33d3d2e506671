"""scikit-image's sample photos (BSD-licensed, shipped in its wheel) as the image tests' material: read from the
package's data folder, so tests need neither network nor the skimage import machinery."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image

SAMPLES = ("coffee", "chelsea", "rocket", "camera", "motorcycle_left", "astronaut")


def sample_path(name: str) -> Path:
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise RuntimeError("the image tests read scikit-image's sample photos: pip install scikit-image==0.26.0")
    return next((Path(spec.origin).parent / "data").glob(f"{name}.*"))


def sample(name: str) -> Image.Image:
    return Image.open(sample_path(name)).convert("RGB")


# What image.detect should box in the sample photos, checked by eye: (COCO class, (x0, y0, x1, y1)) in the photo's
# pixels; `OBJECTS_ALSO` are there too but not asked for (the coffee stands on a table): a box of one is neither right
# nor wrong in training/eval_detect.py
OBJECTS = {
    "astronaut": [("person", (20, 15, 365, 512))],  # Eileen Collins, hair to the bottom edge, without the helmet
    "motorcycle_left": [("motorcycle", (100, 80, 685, 450))],  # mirror to tyres, rear fender to front wheel
    "coffee": [("cup", (170, 15, 415, 305))],  # the cup with its handle, not the saucer
    "chelsea": [("cat", (0, 0, 451, 300))],  # the cat's head fills the photo
}
OBJECTS_ALSO = {"coffee": [("dining_table", (0, 0, 600, 400))]}
Box = tuple[str, tuple[float, float, float, float]]


def composite(
    placed: list[tuple[str, tuple[int, int], int]], size: tuple[int, int] = (1200, 900)
) -> tuple[Image.Image, list[Box], list[Box]]:
    """Sample photos pasted on a grey canvas, each (name, (left, top), width) scaled to that width: the canvas and
    the objects of OBJECTS and of OBJECTS_ALSO where they now are."""
    canvas = Image.new("RGB", size, (128, 128, 128))
    wanted: list[Box] = []
    also: list[Box] = []
    for name, (left, top), width in placed:
        photo = sample(name)
        scale = width / photo.width
        canvas.paste(photo.resize((width, round(photo.height * scale)), Image.Resampling.LANCZOS), (left, top))
        for boxes, objects in ((wanted, OBJECTS), (also, OBJECTS_ALSO)):
            for coco, (x0, y0, x1, y1) in objects.get(name, []):
                boxes.append((coco, (left + x0 * scale, top + y0 * scale, left + x1 * scale, top + y1 * scale)))
    return canvas, wanted, also
