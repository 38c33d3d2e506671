"""POST /enrich/media for a recording: its segments, its transcript with word timestamps and language, and the
transcript's people linked to the shipped creators, each placed with a t= selector; bad and over-long audio
refused clearly; a job over a collection with audio media stores timed suggestions and records a bad file as
failed while the rest goes on."""

from __future__ import annotations

import json

import pytest
from audio_material import compose, mp4, music, silence, wav
from sqlalchemy import select

from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Record, Suggestion


@pytest.fixture(scope="session")
def clip(spoken) -> bytes:
    """1 s silence, a sentence about Rubens in Antwerp, 3 s music, a sentence about Van Dyck: WAV bytes."""
    samples, _ = compose(
        [("silence", silence(1.0)), ("speech", spoken[0]), ("music", music(3.0)), ("speech", spoken[1])]
    )
    return wav(samples)


def selector_times(selector: str) -> tuple[float, float]:
    start, end = selector.removeprefix("t=").split(",")
    return float(start), float(end)


def test_a_recording_is_segmented_transcribed_and_linked(client, org, settings, whisper_dir, shipped_creators, clip):
    settings.whisper_model_dir, settings.link_authorities = whisper_dir, ["vkc-creators"]
    r = client.post("/enrich/media", headers=org.headers(), files={"file": ("lezing.bin", clip)})
    assert r.status_code == 200, r.text
    body = r.json()
    media = body["media"]
    assert media["kind"] == "audio" and media["mime"] == "audio/wav" and media["width"] is None
    assert 10 < media["duration"] < 16
    labels = [s["label"] for s in body["segments"]]
    assert labels[:4] == ["silence", "speech", "music", "speech"], labels
    music_span = body["segments"][2]
    assert {t["kind"] for t in body["texts"]} == {"transcript"} and {t["language"] for t in body["texts"]} == {"en"}
    heard = " ".join(t["content"] for t in body["texts"])
    assert "Rubens" in heard and "Antwerp" in heard, heard
    for text in body["texts"]:
        start, end = selector_times(text["selector"])
        assert 0.7 <= start < end <= media["duration"] + 0.01
        assert not (music_span["start"] + 0.5 < start and end < music_span["end"] - 0.5)  # no words in the music
        assert text["words"] and text["words"][0][1] == start and text["words"][-1][2] == end
        assert all(w_start <= w_end and start <= w_start for _, w_start, w_end, _ in text["words"])
    rubens = next(e for e in body["entities"] if "Rubens" in e["text"])
    assert rubens["type"] == "PER" and rubens["uri"] and rubens["authority"] == "vkc-creators"
    assert rubens["label"] == "Peter Paul Rubens" and rubens["enricher"] == "audio.transcript"
    start, end = selector_times(rubens["selector"])
    assert 0.7 <= start < end < music_span["start"] + 0.3  # the speech starts at 1.0, read from 0.8


def test_bad_and_long_audio_is_refused(client, org, settings):
    r = client.post("/enrich/media", headers=org.headers(), files={"file": ("lied.mp3", b"la la la, geen mp3\n")})
    assert r.status_code == 415 and "the content is text" in r.json()["detail"]
    settings.media_max_seconds = 2
    r = client.post(
        "/enrich/media",
        headers=org.headers(),
        files={"file": ("stilte.wav", wav(silence(3.0)))},
        data={"enrichers": "audio.segments"},
    )
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert "stilte.wav: 3 s of audio, more than the limit of 2 s" in r.json()["detail"]
    r = client.post(
        "/enrich/media", headers=org.headers(), files={"file": ("s.wav", wav(silence(1.0)))}, data={"enrichers": "ner"}
    )
    assert r.status_code == 422 and "does not read audio" in r.json()["detail"]


def test_a_job_over_recordings(client, org, session, settings, tmp_path, whisper_dir, spoken):
    settings.media_dirs, settings.whisper_model_dir, settings.link_authorities = [tmp_path], whisper_dir, []
    speech_then_music, _ = compose([("silence", silence(0.5)), ("speech", spoken[0]), ("music", music(2.0))])
    files = {"lezing.wav": wav(speech_then_music), "muziek.wav": wav(music(4.0)), "kapot.mp3": b"niet echt een mp3\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    lines = [
        {
            "source_id": name.split(".")[0],
            "title": name,
            "media": [f"file://{tmp_path / name}"],
        }
        for name in files
    ]
    jsonl = "\n".join(json.dumps(line) for line in lines).encode()
    r = client.post("/collections/geluid/ingest", headers=org.headers(), files={"file": ("g.jsonl", jsonl)})
    assert r.json()["created"] == 3, r.text
    repo = Repo(session, Scope(org.id))
    names = ["audio.segments", "audio.transcript"]
    job = execute(session, repo.scope, create_enrich_job(repo, "geluid", names, settings).id, settings=settings)
    assert job.status == "done" and job.result["failed_count"] == 2
    assert {f["enricher"] for f in job.result["failed"]} == set(names)
    assert all("the content is text" in f["reason"] for f in job.result["failed"])
    titles = dict(session.execute(select(Record.id, Record.title).where(Record.organisation_id == org.id)).all())
    by_title = {}
    for row in session.scalars(select(Suggestion).where(Suggestion.organisation_id == org.id)):
        by_title.setdefault((titles[row.record_id], row.enricher, row.kind), []).append(row)
    assert [s.label for s in by_title[("muziek.wav", "audio.segments", "tag")]] == ["music"]
    assert {s.label for s in by_title[("lezing.wav", "audio.segments", "tag")]} == {"speech", "music"}
    phrases = by_title[("lezing.wav", "audio.transcript", "transcript")]
    assert phrases and all(s.field == "media.0" and s.time_start < s.time_end for s in phrases)
    assert any("Rubens" in s.label for s in phrases) and phrases[0].extra["language"] == "en"
    assert ("muziek.wav", "audio.transcript", "transcript") not in by_title


def test_a_video_is_heard_and_its_key_frames_seen(client, org, session, settings, tmp_path):
    film = mp4([(200, 30, 30), (200, 30, 30), (30, 70, 200), (30, 70, 200)], music(4.0))
    r = client.post(
        "/enrich/media", headers=org.headers(), files={"file": ("film.mp4", film)}, data={"enrichers": "audio.segments"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["media"]["kind"] == "video" and [s["label"] for s in r.json()["segments"]] == ["music"]
    settings.media_dirs = [tmp_path]
    (tmp_path / "film.mp4").write_bytes(film)
    line = {"source_id": "film", "title": "film", "media": [f"file://{tmp_path / 'film.mp4'}"]}
    r = client.post("/collections/film/ingest", headers=org.headers(), files={"file": ("f.jsonl", json.dumps(line))})
    assert r.json()["created"] == 1, r.text
    params = {"params": {"enrichers": ["image.colours"], "every": 2}}
    assert client.patch("/enrichers/video.frames", json=params, headers=org.headers("admin")).status_code == 200
    repo = Repo(session, Scope(org.id))
    names = ["video.frames", "audio.segments"]
    job = execute(session, repo.scope, create_enrich_job(repo, "film", names, settings).id, settings=settings)
    assert job.status == "done" and job.result["created"] == 3, job.result
    rows = session.scalars(select(Suggestion).where(Suggestion.organisation_id == org.id)).all()
    found = sorted((s.enricher, s.time_start, s.time_end, s.label) for s in rows)
    assert found == [
        ("audio.segments", 0.0, pytest.approx(4.0, abs=0.15), "music"),
        ("video.frames", 0.0, 0.0, "rood"),
        ("video.frames", 2.0, 2.0, "blauw"),
    ]
