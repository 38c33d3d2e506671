"""One recording enriched on the fly (POST /enrich/media): decode it within the caps, cut it into segments, and
run the audio enrichers the caller names (or the organisation's); nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass

from verrijk.config import Settings
from verrijk.enrich.audio.base import AudioEnricher
from verrijk.enrich.audio.decode import open_audio
from verrijk.enrich.audio.segments import Segment, SegmentEnricher, segment
from verrijk.enrich.audio.transcript import TranscriptEnricher, entity_proposals
from verrijk.enrich.audio.whisper import Transcript
from verrijk.enrich.base import Proposal
from verrijk.enrich.config import upload_enrichers
from verrijk.enrich.media import Medium
from verrijk.store.repo import Repo

DEFAULT_ENRICHERS = ("audio.segments", "audio.transcript")


@dataclass
class AudioAnalysis:
    medium: Medium
    duration: float
    segments: list[Segment]
    transcript: Transcript | None
    entities: list[Proposal]  # links and NIL entities of the transcript, each timed by its words


def analyse(
    repo: Repo, settings: Settings, medium: Medium, names: list[str] | None = None, language: str | None = None
) -> AudioAnalysis:
    """Enrich one recording (or a video's sound): its segments always (they decide what is transcribed), its
    transcript and the transcript's entities when audio.transcript is asked for. `language` is the spoken
    language when the caller knows it."""
    audio = open_audio(medium, settings)  # first: a bad or over-long file fails before any model loads
    enrichers = upload_enrichers(repo, settings, names, "audio", DEFAULT_ENRICHERS, AudioEnricher)
    segmenter = next((e for e in enrichers if isinstance(e, SegmentEnricher)), None)
    segments = segment(audio, segmenter.silence_db, segmenter.min_segment) if segmenter else segment(audio)
    transcript, entities = None, []
    for enricher in enrichers:
        if isinstance(enricher, TranscriptEnricher):
            transcript = enricher.transcribe(audio, language, segments)
            entities = entity_proposals(transcript, enricher.text, enricher.terms)
    return AudioAnalysis(medium, round(audio.duration, 3), segments, transcript, entities)
