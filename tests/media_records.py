"""Records with media for the review, task and export tests: a rendered two-line caption (PNG) and a three-second
tone (WAV) as files in a folder the deployment reads, with the suggestions image.ocr and a speech enricher make on
them (OCR lines with their boxes, a transcript segment with its time span)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
from media_material import caption
from sqlalchemy import select

from verrijk.ingest.service import ingest
from verrijk.store.repo import RecordFilter, Repo, Scope
from verrijk.store.tables import Suggestion

LINES = ["Gezicht op de Schelde te Antwerpen", "Procession de la Sainte-Dévotion à Liège"]
SPOKEN = "Jacob Jordaens schilderde in Antwerpen"
SPAN = (1.0, 2.25)  # seconds of the transcript segment in the recording


def tone(path: Path, seconds: float = 3.0, rate: int = 16000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())


def media_records(session, org, folder: Path) -> dict:
    """Ingest the two records into collection `beelden` and add their suggestions; returns the ids, the caption's
    size and the first OCR line's box [x, y, w, h]."""
    folder.mkdir(parents=True, exist_ok=True)
    image = caption(LINES, size=32)
    image.save(folder / "caption.png")
    tone(folder / "tone.wav")
    lines = [
        {"source_id": "m1", "title": "Kaartje met opschrift", "media": [(folder / "caption.png").as_uri()]},
        {"source_id": "m2", "title": "Interview", "media": [(folder / "tone.wav").as_uri()]},
    ]
    repo = Repo(session, Scope(org.id))
    ingest(session, repo, "beelden", "m.jsonl", data="\n".join(json.dumps(x) for x in lines).encode())
    records = {r.source_id: r for r in repo.records(RecordFilter(collection="beelden"), limit=10).items}
    size = 32
    boxes = [[size - 2, int(size * 0.8) + i * int(size * 1.6), 640, size + 4] for i in range(len(LINES))]
    made = [
        Suggestion(
            organisation_id=org.id, record_id=records["m1"].id, key=f"{org.slug}-ocr-{i}", field="media.0",
            region=box, kind="transcript", label=text.replace("Dévotion", "Devotion"), score=0.6 + i / 10,
            enricher="image.ocr", enricher_version="image.ocr-1",
        )
        for i, (box, text) in enumerate(zip(boxes, LINES, strict=True))
    ] + [
        Suggestion(
            organisation_id=org.id, record_id=records["m2"].id, key=f"{org.slug}-asr", field="media.0",
            time_start=SPAN[0], time_end=SPAN[1], kind="transcript", label=SPOKEN.replace("Jordaens", "Jordans"),
            score=0.55, enricher="audio.transcript", enricher_version="1",
        )
    ]  # fmt: skip
    session.add_all(made)
    session.commit()
    ids = [s.id for s in session.scalars(select(Suggestion).where(Suggestion.key.in_([s.key for s in made])))]
    return {
        "image_record": records["m1"].id,
        "audio_record": records["m2"].id,
        "suggestions": sorted(ids),
        "size": image.size,
        "box": boxes[0],
    }
