"""Audio: decoding within caps (resampled to 16 kHz mono, over-long and broken files refused clearly), segments
of generated material (speech from the Piper voice, numpy music, noise, silence) right on ≥ 85 % of frames,
word times of the speech laid end to end mapped back to the recording, the biasing terms, sound-alike links for
misheard names, and a video's sound track and key frames. Transcripts
themselves are tested through the API and a job (tests/api/test_enrich_media_audio.py)."""

from __future__ import annotations

import numpy as np
import pytest
from audio_material import compose, mp4, music, noise, silence, wav

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.audio.decode import SAMPLE_RATE, Audio, open_audio
from verrijk.enrich.audio.segments import LABELS, segment, speech_spans
from verrijk.enrich.audio.transcript import bias_terms, sound_alike, sound_key
from verrijk.enrich.audio.whisper import Spans, model_dir
from verrijk.enrich.base import Proposal
from verrijk.enrich.image.colours import ColoursEnricher
from verrijk.enrich.media import MediaError, medium_of
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import Entry, LinkContext
from verrijk.enrich.video.frames import FramesEnricher, Sampling, key_frames
from verrijk.errors import Unavailable


def frame_labels(segments, frames: int) -> np.ndarray:
    labels = np.full(frames, "silence", dtype=object)
    for s in segments:
        labels[int(round(s.start * 100)) : int(round(s.end * 100))] = s.label
    return labels


def test_a_stereo_wav_at_another_rate_is_read_as_16k_mono():
    t = np.arange(22050 * 2) / 22050
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([tone, tone]).T.reshape(-1)
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(2)
        f.setsampwidth(2)
        f.setframerate(22050)
        f.writeframes((stereo * 32767).astype("<i2").tobytes())
    audio = open_audio(medium_of(buffer.getvalue(), "tone.wav"), Settings())
    assert audio.samples.dtype == np.float32 and abs(audio.duration - 2.0) < 0.02
    assert 0.29 < np.abs(audio.samples).max() < 0.43  # FFmpeg's downmix: each channel at -3 dB


def test_bad_and_long_audio_is_refused_clearly():
    with pytest.raises(MediaError) as caught:
        medium_of(b"Dit is geen geluid, maar tekst.\n", "lied.mp3")
    assert caught.value.status == 415 and "the content is text" in str(caught.value)
    with pytest.raises(MediaError) as caught:
        open_audio(medium_of(b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8, "kapot.mp3"), Settings())
    assert caught.value.status == 400 and "kapot.mp3: the audio/mpeg file cannot be decoded" in str(caught.value)
    long = medium_of(wav(silence(6.0)), "lang.wav")
    with pytest.raises(MediaError) as caught:
        open_audio(long, Settings(media_max_seconds=5))
    assert caught.value.status == 413 and "lang.wav: 6 s of audio, more than the limit of 5 s" in str(caught.value)


def test_segments_find_speech_music_noise_and_silence(spoken):
    samples, truth = compose(
        [
            ("silence", silence(1.5)),
            ("speech", spoken[0]),
            ("silence", silence(1.0)),
            ("music", music(5.0)),
            ("noise", noise(2.0)),
            ("silence", silence(1.0)),
        ]
    )
    segments = segment(Audio(samples, "clip"))
    assert [s.label for s in segments] == ["silence", "speech", "silence", "music", "noise", "silence"]
    assert segments[0].start == 0 and abs(segments[-1].end - len(samples) / SAMPLE_RATE) < 0.02
    assert all(0 <= s.score <= 1 for s in segments) and min(s.score for s in segments) > 0.8
    found = frame_labels(segments, len(truth))
    assert np.mean(found == truth) >= 0.85
    assert set(LABELS) >= set(found)
    assert speech_spans(segments) == [(segments[1].start, segments[1].end)]


def test_spans_map_joined_times_back_to_the_recording():
    spans = Spans.of([(1.0, 2.0), (5.0, 6.0), (6.3, 7.0)], duration=8.0)
    assert spans.spans == ((0.8, 2.2), (4.8, 7.2))  # padded by 0.2 s, the last two joined (gap under 0.6 s)
    assert spans.offsets == (0.0, 1.4)
    assert spans.original(0.5, 0.9) == (1.3, 1.7)
    assert spans.original(1.2, 1.5) == (2.0, 2.2)  # a word running over the seam stays in its span
    assert spans.original(1.35, 1.9) == (4.8, 5.3)  # its middle is in the second span
    assert Spans.of([], duration=3.0).cut(Audio(silence(3.0), "x")).size == 0


def test_bias_terms_put_the_vocabulary_first_then_the_likeliest_names():
    entries = [
        Entry(
            "u:antwerpen",
            "Antwerpen",
            ("Antwerp",),
            ("LOC",),
            properties={"population": 500000, "country": "BE", "labels": {"en": ["Antwerp"]}},
        ),
        Entry("u:parijs", "Parijs", (), ("LOC",), properties={"population": 2000000, "country": "FR"}),
        Entry("u:rubens", "Peter Paul Rubens", ("Rubens",), ("PER",), properties={"name_forms": 40}),
        Entry("u:x", "Obscure Painter", (), ("PER",), properties={"name_forms": 1}),
    ]
    linker = Linker([AuthorityIndex("test", entries)])
    terms = bias_terms(["Jordaens", " ", "Jordaens"], linker, limit=5, country="BE")
    assert terms == ["Jordaens", "Peter Paul Rubens", "Antwerpen", "Antwerp", "Obscure Painter"]  # in turn
    assert bias_terms([], linker, limit=2) == ["Peter Paul Rubens", "Parijs"]  # no country: the largest place
    assert bias_terms([], None, limit=5) == []


def test_whisper_is_unavailable_without_its_model(tmp_path):
    with pytest.raises(Unavailable, match="holds no model.bin"):
        model_dir(Settings(whisper_model_dir=tmp_path))


def test_names_misheard_are_linked_when_they_sound_like_a_bias_term():
    assert sound_key("Looven") == sound_key("Leuven") and sound_key("Gint") == sound_key("Ghent") == sound_key("Gent")
    leuven = Entry(
        "https://sws.geonames.org/2792482/", "Leuven", ("Louvain",), ("LOC",), properties={"population": 100000}
    )
    linker = Linker([AuthorityIndex("geonames", [leuven])])
    heard = [
        Proposal(SuggestionKind.entity, "Looven", 0.9, entity_type="LOC", extra={"mention": "Looven"}),
        Proposal(SuggestionKind.entity, "Mechelen", 0.9, entity_type="LOC", extra={"mention": "Mechelen"}),
    ]
    linked, left = sound_alike(heard, ["Jordaens", "Leuven"], linker.link, LinkContext())
    assert linked.kind == SuggestionKind.link and linked.authority_uri == leuven.uri and linked.label == "Leuven"
    assert linked.extra == {"mention": "Looven", "authority": "geonames", "sounds_like": "Leuven"}
    assert 0 < linked.score < 0.9
    assert left.kind == SuggestionKind.entity and left.authority_uri is None


def test_a_video_is_heard_through_its_sound_track_and_seen_through_its_key_frames():
    data = mp4([(200, 30, 30), (200, 30, 30), (30, 70, 200), (30, 70, 200)], music(4.0))
    medium = medium_of(data, "film.mp4")
    assert (medium.kind, medium.mime) == ("video", "video/mp4")
    settings = Settings()
    sound = open_audio(medium, settings)
    assert abs(sound.duration - 4.0) < 0.2
    assert [s.label for s in segment(sound)] == ["music"]
    frames = list(key_frames(medium, settings, Sampling(every=2.0, limit=10)))
    assert [t for t, _ in frames] == [0.0, 2.0]
    colours = FramesEnricher(settings, [ColoursEnricher(settings)], Sampling(every=2.0))
    tags = [(p.time_start, p.label, p.extra["enricher"]) for p in colours.propose_frames(frames, "nl")]
    assert tags == [(0.0, "rood", "image.colours"), (2.0, "blauw", "image.colours")]
    with pytest.raises(MediaError) as caught:
        list(key_frames(medium, Settings(media_max_seconds=3), Sampling(every=2.0, limit=10)))
    assert caught.value.status == 413
