"""Distils the transformer ner-e5 into the spaCy CNN: silver training data labelled by the teacher.

    PYTHONPATH=src nice -n 10 .venv/bin/python training/distill_ner.py
    PYTHONPATH=src nice -n 10 .venv/bin/python training/train_ner_nl.py --skip-build \
        --silver build/ner-nl/silver.spacy --output build/ner-nl/distilled --minutes 28 --baseline models/ner-nl
    (add --init-from models/ner-nl to fine-tune the shipped CNN on gold + silver instead of training from scratch)

Needs the corpora of training/train_ner_nl.py (build/ner-nl/corpus). Raw Dutch text, from training splits only:
- the Europeana Newspapers blocks of the train bucket that the annotators skipped (< 2 % entity tokens; the CNN's
  corpus drops them), their gold labels ignored;
- the Rijksmuseum record sentences of the train bucket, whose alignment silver leaves capitalised words it cannot
  explain unlabelled: the teacher's spans fill those gaps, the alignment's spans stay.
The teacher (the shipped ONNX int8 model through verrijk's own backend) tags each sentence; a mention is kept when
its score (mean probability of its type) reaches the threshold at which the teacher's mentions on the open dev sets
(build/ner-nl/corpus/heldout/*-dev.bio) are at least ``--precision`` precise. Mentions under it leave their words
unlabelled (spaCy ignores them), so the student is neither taught them nor taught that they are not names.
CoNLL-2002 is never read here. Writes build/ner-nl/silver.spacy and silver.json (counts, threshold, dev curve).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import spacy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ner_data import (  # noqa: E402
    Example,
    Gazetteer,
    europeana_examples,
    lexicon,
    record_examples,
    write_docbin,
)

from verrijk.enrich.text.ner.backends import Mention, OnnxTokenClassifier  # noqa: E402
from verrijk.enrich.text.ner.conll import read_conll, spans_to_tags, tags_to_spans  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "build" / "ner-nl" / "corpus"
TEACHER = ROOT / "models" / "ner-e5"
# dev sets that annotate every type; Europeana's has no MISC, so the teacher's MISC mentions are not scored there
DEV_TYPES = {"europeana": {"PER", "LOC", "ORG"}, "voc": None, "records": None, "swapped": None, "templates": None}
GRID = [round(0.5 + 0.02 * i, 2) for i in range(25)]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def word_spans(words: list[str], mentions: list[Mention]) -> list[tuple[int, int, str, float]]:
    """Mentions over ' '.join(words) -> (first word, end word, type, score) for mentions on word boundaries."""
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    out = []
    for m in mentions:
        inside = [i for i, s in enumerate(starts) if s >= m.start and s + len(words[i]) <= m.end]
        if inside and m.type in ("PER", "LOC", "ORG", "MISC"):
            out.append((inside[0], inside[-1] + 1, m.type, m.score))
    return out


def tag_all(teacher: OnnxTokenClassifier, sentences: list[list[str]], batch: int = 256) -> list[list[tuple]]:
    out: list[list[tuple]] = []
    for start in range(0, len(sentences), batch):
        chunk = sentences[start : start + batch]
        mentions = teacher.recognise([" ".join(words) for words in chunk])
        out.extend(word_spans(words, found) for words, found in zip(chunk, mentions, strict=True))
    return out


def choose_threshold(teacher: OnnxTokenClassifier, precision: float) -> tuple[float, list[dict]]:
    """The lowest score threshold at which the teacher's dev mentions (all open dev sets pooled) are ``precision``
    precise (exact span and type), with the curve: per threshold, precision and recall of the kept mentions."""
    predicted: list[tuple[float, bool]] = []
    gold_total = 0
    for name, types in DEV_TYPES.items():
        sentences = read_conll(CORPUS / "heldout" / f"{name}-dev.bio")
        found = tag_all(teacher, [s.words for s in sentences])
        for sentence, spans in zip(sentences, found, strict=True):
            gold = {(s, e, t) for s, e, t in tags_to_spans(sentence.tags) if types is None or t in types}
            gold_total += len(gold)
            predicted += [((s, e, t) in gold, score) for s, e, t, score in spans if types is None or t in types]
    curve = []
    for threshold in GRID:
        kept = [ok for ok, score in predicted if score >= threshold]
        curve.append(
            {
                "threshold": threshold,
                "precision": round(sum(kept) / max(1, len(kept)), 4),
                "recall": round(sum(kept) / max(1, gold_total), 4),
            }
        )
    chosen = next((c["threshold"] for c in curve if c["precision"] >= precision), GRID[-1])
    return chosen, curve


def label(words: list[str], spans: list[tuple], threshold: float, base: Example | None = None) -> Example:
    """Teacher spans over a sentence. Kept: confident spans on words no existing (alignment) span covers. Words of
    unconfident spans, and of ``base``'s unlabelled words the teacher does not explain, stay unlabelled."""
    existing = tags_to_spans(base.tags) if base else []
    taken = {i for s, e, _ in existing for i in range(s, e)}
    missing = set(base.missing) if base else set()
    kept = list(existing)
    for start, end, kind, score in spans:
        covered = set(range(start, end))
        if covered & taken:
            continue
        if score >= threshold:
            kept.append((start, end, kind))
            missing -= covered
        else:
            missing |= covered
    spaces = base.spaces if base else None
    return Example(words, spans_to_tags(len(words), sorted(kept)), spaces, sorted(missing))


def raw_sentences() -> dict[str, list[Example]]:
    nlp = spacy.blank("nl")
    nlp.add_pipe("sentencizer")
    frequencies = json.loads((CORPUS / "frequencies.json").read_text())
    records = record_examples(nlp, Gazetteer(nlp, lexicon(), frequencies))["train"]
    europeana = europeana_examples(annotated=False)["train"]
    return {"europeana_unannotated": europeana, "records_train": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teacher", type=Path, default=TEACHER)
    parser.add_argument("--precision", type=float, default=0.9, help="teacher precision on the dev sets to keep")
    parser.add_argument("--output", type=Path, default=CORPUS.parent / "silver.spacy")
    args = parser.parse_args()
    started = time.process_time()
    teacher = OnnxTokenClassifier(args.teacher)
    threshold, curve = choose_threshold(teacher, args.precision)
    point = next(c for c in curve if c["threshold"] == threshold)
    log(f"threshold {threshold} (dev precision >= {args.precision}): {point}")
    stats: dict = {"teacher": f"{teacher.name} {teacher.version}", "precision": args.precision, "threshold": threshold}
    stats["dev_curve"] = curve
    silver: list[Example] = []
    for source, examples in raw_sentences().items():
        tagged = tag_all(teacher, [e.words for e in examples])
        base = source == "records_train"
        out = [label(e.words, spans, threshold, e if base else None) for e, spans in zip(examples, tagged, strict=True)]
        silver += out
        confident = sum(score >= threshold for spans in tagged for *_, score in spans)
        stats[source] = {
            "sentences": len(out),
            "tokens": sum(len(e.words) for e in out),
            "teacher_mentions": sum(len(spans) for spans in tagged),
            "confident": confident,
            "entities": sum(len(tags_to_spans(e.tags)) for e in out),
            "unlabelled_tokens": sum(len(e.missing) for e in out),
        }
        log(f"{source}: {stats[source]}")
    write_docbin(args.output, spacy.blank("nl").vocab, silver)
    stats["cpu_seconds"] = round(time.process_time() - started)
    args.output.with_suffix(".json").write_text(json.dumps(stats, indent=2) + "\n")
    log(f"wrote {args.output} ({len(silver)} sentences), {stats['cpu_seconds']} CPU-s")


if __name__ == "__main__":
    main()
