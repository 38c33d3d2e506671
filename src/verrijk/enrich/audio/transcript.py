"""audio.transcript: what is said in a recording, phrase by phrase with word timestamps and the detected language,
then through the text pipeline (NER and linking) with each entity placed at the time of the words it came from.

Only the speech (and singing) that audio.segments finds is handed to Whisper, laid end to end, so music and
silence cost nothing. The recogniser is biased towards the organisation's names: the collection vocabulary
(`vocabulary`) first, then the likeliest names of the authorities it links to (highest prior: population, how many
catalogues know a person; places of the organisation's country when it set one), as Whisper hotwords or as an
initial prompt. Linking forgives how a recogniser spells names twice over: the linker's own fuzzy matching, and,
for a name it cannot place, a sound-alike match against those same bias terms ("Looven" sounds like "Leuven",
"Gint" like "Gent"), the term then linked in its place.
Transcribing copies the content, so the rights gate keeps in-copyright recordings from it unless allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

from rapidfuzz import fuzz

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.audio.base import AudioEnricher
from verrijk.enrich.audio.decode import Audio
from verrijk.enrich.audio.segments import Segment, detector, segment, speech_spans
from verrijk.enrich.audio.whisper import Transcript, load_model, model_dir, transcribe
from verrijk.enrich.base import Proposal
from verrijk.enrich.text.linking.index import label_names
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import Entry, LinkContext
from verrijk.enrich.text.media import MediaText, media_text
from verrijk.folding import fold

Bias = Literal["hotwords", "prompt", "off"]
SOUND_ALIKE = 85.0  # least rapidfuzz ratio between sound keys for a heard name to be taken as a bias term
LINKED = frozenset({"PER", "LOC", "ORG"})
# spellings that sound alike in Dutch and English names, in order; then vowel runs become one "a", doubles go
_SOUNDS = (
    ("ph", "f"), ("gh", "g"), ("ch", "g"), ("ck", "k"), ("ij", "i"), ("dt", "t"), ("c", "k"), ("q", "k"),
    ("x", "ks"), ("z", "s"), ("y", "i"), ("w", "v"), ("v", "f"), ("h", ""),
)  # fmt: skip
_VOWELS = re.compile(r"[aeiou]+")
_DOUBLE = re.compile(r"(.)\1+")
_FINAL_D = re.compile(r"d\b")


def sound_key(name: str) -> str:
    """A rough key of how a name sounds: "Looven" and "Leuven" -> "lafan", "Gint", "Gent", "Ghent" -> "gant"."""
    key = _FINAL_D.sub("t", fold(name))
    for spelling, sound in _SOUNDS:
        key = key.replace(spelling, sound)
    return _DOUBLE.sub(r"\1", _VOWELS.sub("a", key))


def sound_alike(
    proposals: list[Proposal], terms: Sequence[str], link: Callable[..., Any], context: LinkContext
) -> list[Proposal]:
    """Names the linker left unlinked (NIL people, places, organisations) that sound like one of `terms`, linked
    as that term; the score is the term's link score times how alike they sound."""
    keys = [(sound_key(t), t) for t in terms]
    for p in proposals:
        if p.kind != SuggestionKind.entity or p.entity_type not in LINKED or not keys:
            continue
        heard = sound_key(p.label)
        similarity, term = max((fuzz.ratio(heard, key), term) for key, term in keys)
        alike = similarity >= SOUND_ALIKE and heard[:1] == sound_key(term)[:1]
        result = link(term, p.entity_type, context) if alike else None
        if result is None or result.link is None:
            continue
        entry = result.link.entry
        p.kind, p.label, p.authority_uri = SuggestionKind.link, entry.label, entry.uri
        p.score = round(p.score * result.link.score * similarity / 100, 4)
        p.extra.update(authority=result.link.authority, sounds_like=term)
    return proposals


def bias_terms(vocabulary: Sequence[str], linker: Linker | None, limit: int, country: str | None = None) -> list[str]:
    """The collection vocabulary, then names of the linker's likeliest entries, without repeats, at most `limit`
    terms. Each authority's places (of `country` only, when given) and its other entries are ranked apart by prior
    and taken in turn, so a few famous people cannot crowd out every place."""
    terms = list(dict.fromkeys(t.strip() for t in vocabulary if t.strip()))
    groups: dict[tuple[int, bool], list[tuple[float, Entry]]] = {}
    for i, index in enumerate(linker.indexes if linker else ()):
        for prior, entry in zip(index.priors, index.entries, strict=True):
            place = "population" in entry.properties
            if not (place and country and entry.properties.get("country") != country):
                groups.setdefault((i, place), []).append((prior, entry))
    ranked = [iter(sorted(group, key=lambda pair: -pair[0])) for _, group in sorted(groups.items())]
    seen = set(terms)
    while ranked and len(terms) < limit:
        for group in list(ranked):
            pair = next(group, None)
            if pair is None:
                ranked.remove(group)
                continue
            entry = pair[1]
            for name in sorted(label_names(entry), key=lambda n: n != entry.label):
                if name not in seen and len(terms) < limit:
                    seen.add(name)
                    terms.append(name)
    return terms


def entity_proposals(transcript: Transcript, text: MediaText, terms: Sequence[str] = ()) -> list[Proposal]:
    """Entities and links in the transcript, each placed at the time of the words its mention spans; names left
    unlinked that sound like one of `terms` linked as that term."""
    content, words = transcript.text_with_words()
    link = text.analyser.link if text.analyser is not None else None
    refine = (lambda found: sound_alike(found, terms, link, text.context)) if link is not None and terms else None
    proposals = []
    for p, covered in text.entities(content, transcript.language, words, refine):
        p.time_start, p.time_end = covered[0].start, covered[-1].end
        proposals.append(p)
    return proposals


class TranscriptEnricher(AudioEnricher):
    """Speech to text with word timestamps and language (Whisper base, int8), entities linked in the transcript."""

    name: ClassVar[str] = "audio.transcript"
    reads_protected_content: ClassVar[bool] = True

    def __init__(
        self,
        settings: Settings,
        text: MediaText = MediaText(),
        language: str | None = None,
        beam_size: int = 1,
        bias: Bias = "hotwords",
        vocabulary: Sequence[str] = (),
        bias_limit: int = 30,
        cpu_threads: int = 2,
    ):
        super().__init__(settings)
        folder = model_dir(settings)
        self.model = load_model(str(folder), cpu_threads)
        detector()
        self.text, self.language, self.beam_size, self.bias = text, language, beam_size, bias
        self.terms = bias_terms(vocabulary, text.linker, bias_limit, text.context.country)
        self.bias_text = ", ".join(self.terms) if bias != "off" else ""
        self.version = f"audio.transcript-1+whisper-{folder.name}-int8+bias-{bias}"

    def transcribe(
        self, audio: Audio, language: str | None = None, segments: Sequence[Segment] | None = None
    ) -> Transcript:
        """The recording's speech (found again unless its segments are given) as text, in `language` when given,
        else the enricher's, else the language Whisper hears."""
        return transcribe(
            self.model,
            audio,
            speech_spans(segment(audio) if segments is None else segments),
            language or self.language,
            self.beam_size,
            hotwords=self.bias_text if self.bias == "hotwords" else None,
            initial_prompt=self.bias_text if self.bias == "prompt" else None,
        )

    def propose(self, audio: Audio, language: str | None) -> list[Proposal]:
        # the record's language is its catalogue's, not necessarily the one spoken: only the parameter decides
        transcript = self.transcribe(audio)
        proposals = [
            Proposal(
                SuggestionKind.transcript,
                phrase.text,
                phrase.score,
                time_start=phrase.start,
                time_end=phrase.end,
                extra={
                    "language": transcript.language,
                    "words": [[w.text, w.start, w.end, w.probability] for w in phrase.words],
                },
            )
            for phrase in transcript.phrases
        ]
        return proposals + entity_proposals(transcript, self.text, self.terms)


def create(params: dict[str, Any], context: Any) -> TranscriptEnricher:
    """The registry's factory: the organisation's text pipeline (its `ner` models and authorities) for entities, and
    its authorities' likeliest names for biasing."""
    return TranscriptEnricher(context.settings, media_text(params, context), **params)
