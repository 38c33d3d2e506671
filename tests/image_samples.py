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
