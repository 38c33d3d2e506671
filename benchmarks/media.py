"""Image enrichment speed and quality on generated material: images/s per image enricher on 2 cores with its
peak memory (median of 3 runs each), OCR character error rate on clean, noisy and rotated captions and on captions
stored turned with an EXIF Orientation (3, 6, 8; read with the orientation applied, as verrijk does, and ignored),
and duplicate precision/recall on altered copies.

Each enricher runs in its own process (so its peak RSS is its own), pinned to 2 cores, over images read through
the media service from files (read, sniff, decode and enrich are all timed).

    .venv/bin/python benchmarks/media.py
    .venv/bin/python benchmarks/media.py --images 40 --runs 3
    .venv/bin/python benchmarks/media.py --enrichers image.faces   # speed only, of the enrichers named
    .venv/bin/python benchmarks/media.py --ocr-only

OMP_THREAD_LIMIT is 1 unless set: Tesseract's OpenMP threads spin against each other on a busy 2-core machine
(one caption: 1.0 s with 1 thread, 2.4 s with 2, under load).
"""

from __future__ import annotations

import argparse
import io
import itertools
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from media_material import CAPTIONS, altered, caption, cer, encode, photo, turned_jpeg  # noqa: E402
from PIL import Image  # noqa: E402

from verrijk.config import Settings  # noqa: E402
from verrijk.enrich.base import Item  # noqa: E402
from verrijk.enrich.image.colours import ColoursEnricher  # noqa: E402
from verrijk.enrich.image.detect import DetectEnricher  # noqa: E402
from verrijk.enrich.image.faces import FacesEnricher  # noqa: E402
from verrijk.enrich.image.hash import DEFAULT_DISTANCE, duplicate_groups, phash  # noqa: E402
from verrijk.enrich.image.objects import ObjectsEnricher  # noqa: E402
from verrijk.enrich.image.ocr import OcrEnricher  # noqa: E402
from verrijk.enrich.media import medium_of, open_image, read  # noqa: E402


class Hasher(ColoursEnricher):
    """image.hash's work without its store: read, decode, hash (the enricher itself also writes one row)."""

    def propose(self, image, language):
        phash(image)
        return []


ENRICHERS = {
    "image.ocr": OcrEnricher,
    "image.colours": ColoursEnricher,
    "image.hash": Hasher,
    "image.objects": ObjectsEnricher,
    "image.faces": FacesEnricher,
    "image.detect": DetectEnricher,
}


def material(folder: Path, count: int) -> dict[str, list[str]]:
    """Photos (800x600 JPEG) for colours, hash, objects, faces and detect, captions (PNG) for OCR, written as files."""
    photos, captions = [], []
    for i in range(count):
        path = folder / f"photo{i}.jpg"
        path.write_bytes(encode(photo(i, (800, 600)), "JPEG", quality=90))
        photos.append(str(path))
        path = folder / f"caption{i}.png"
        path.write_bytes(encode(caption(CAPTIONS[i % len(CAPTIONS)] + CAPTIONS[(i + 1) % len(CAPTIONS)])))
        captions.append(str(path))
    return {"image.ocr": captions} | {name: photos for name in ENRICHERS if name != "image.ocr"}


def run(name: str, paths: list[str], folder: str, out) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
    settings = Settings(media_dirs=[Path(folder)])
    enricher = ENRICHERS[name](settings)
    enricher.enrich([Item(0, "media.0", "image", url=paths[0])])  # warm up: load models and language data
    items = [Item(i, "media.0", "image", url=p) for i, p in enumerate(paths)]
    started = time.perf_counter()
    enricher.enrich(items)
    seconds = time.perf_counter() - started
    # the process's own peak, or Tesseract's (a child process) when that is higher
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    out.send((len(paths) / seconds, peak / 1024))


def speed(args, folder: Path, paths: dict[str, list[str]]) -> None:
    header = f"images/s (median of {args.runs})"
    print(f"{'enricher':<15} {header:>26} {'min':>7} {'max':>7} {'peak RSS MB':>12}")
    context = multiprocessing.get_context("spawn")
    for name in args.enrichers or ENRICHERS:
        rates, peaks = [], []
        for _ in range(args.runs):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=run, args=(name, paths[name], str(folder), send))
            process.start()
            rate, peak = receive.recv()
            process.join()
            rates.append(rate)
            peaks.append(peak)
        print(
            f"{name:<15} {statistics.median(rates):>26.2f} {min(rates):>7.2f} {max(rates):>7.2f} "
            f"{statistics.median(peaks):>12.0f}"
        )


def ocr_quality() -> None:
    enricher = OcrEnricher(Settings())
    for label, options in (("clean", {}), ("noisy (std 25)", {"noise": 25}), ("rotated 2°", {"angle": 2})):
        errors = characters = 0.0
        for seed, lines in enumerate(CAPTIONS):
            reference = " ".join(lines)
            text = " ".join(p.label for p in enricher.propose(caption(lines, seed=seed, **options), None))
            errors += cer(reference, text) * len(reference)
            characters += len(reference)
        print(f"OCR character error rate, {label:<15} {errors / characters:.4f} over {int(characters)} characters")
    settings = Settings()
    for orientation, applied in itertools.product((3, 6, 8), (True, False)):
        errors = characters = 0.0
        for seed, lines in enumerate(CAPTIONS):
            reference = " ".join(lines)
            medium = medium_of(turned_jpeg(caption(lines, seed=seed), orientation), "turned.jpg")
            image = open_image(medium, settings) if applied else Image.open(io.BytesIO(medium.data)).convert("RGB")
            text = " ".join(p.label for p in enricher.propose(image, None))
            errors += cer(reference, text) * len(reference)
            characters += len(reference)
        label = f"EXIF {orientation}, {'applied' if applied else 'ignored'}"
        print(f"OCR character error rate, {label:<15} {errors / characters:.4f} over {int(characters)} characters")


def duplicate_quality(count: int) -> None:
    rows = []
    for seed in range(count):
        original = photo(1000 + seed)
        rows.append((seed, "original", phash(original)))
        rows += [(seed, kind, phash(copy)) for kind, copy in altered(original).items()]
    for threshold in (6, 8, DEFAULT_DISTANCE, 12, 16):
        groups = duplicate_groups(rows, threshold)
        found = {frozenset(p) for g in groups for p in itertools.combinations([(i.record_id, i.field) for i in g], 2)}
        truth = {
            frozenset(p)
            for seed in range(count)
            for p in itertools.combinations([(r, f) for r, f, _ in rows if r == seed], 2)
        }
        precision = len(found & truth) / len(found) if found else 1.0
        print(
            f"duplicates at distance <= {threshold:>2}: precision {precision:.3f}, recall "
            f"{len(found & truth) / len(truth):.3f} ({count} photos x 4 altered copies, {len(rows)} images)"
        )


def main() -> None:
    # Tesseract's OpenMP threads spin against each other on a busy machine: one per process is 2.3x faster here
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20, help="images per enricher and run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--photos", type=int, default=100, help="photos for duplicate precision/recall")
    parser.add_argument("--enrichers", nargs="+", choices=list(ENRICHERS), help="measure only these enrichers' speed")
    parser.add_argument("--ocr-only", action="store_true", help="only the OCR character error rates")
    args = parser.parse_args()
    if args.ocr_only:
        ocr_quality()
        return
    print(f"{os.cpu_count()} cores here, each enricher pinned to 2")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = material(folder, args.images)
        settings = Settings(media_dirs=[folder])
        size = open_image(read(paths["image.ocr"][0], settings), settings).size
        print(
            f"{args.images} photos 800x600 JPEG (colours, hash, objects, faces, detect); "
            f"{args.images} captions {size[0]}x{size[1]} PNG (OCR)"
        )
        speed(args, folder, paths)
    if not args.enrichers:
        ocr_quality()
        duplicate_quality(args.photos)


if __name__ == "__main__":
    main()
