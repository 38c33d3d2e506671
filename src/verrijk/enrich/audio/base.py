"""What every audio enricher shares: read each item's medium (audio, or a video's sound track), decode it to
16 kHz mono within the caps, propose per recording.

All media of a batch are read and decoded before any model runs, so a bad or over-long file fails the batch
early (the pipeline then runs the items one by one and records the bad one as failed) without redoing model work.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from verrijk.config import Settings
from verrijk.enrich.audio.decode import Audio, open_audio
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.media import read


class AudioEnricher(Enricher):
    accepts: ClassVar[frozenset[str]] = frozenset({"audio", "video"})

    def __init__(self, settings: Settings):
        self.settings = settings

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        recordings = [open_audio(read(item.url or "", self.settings), self.settings) for item in items]
        return [self.propose(audio, item.language) for item, audio in zip(items, recordings, strict=True)]

    @abstractmethod
    def propose(self, audio: Audio, language: str | None) -> list[Proposal]:
        """Proposals for one recording; times in seconds from its start."""
