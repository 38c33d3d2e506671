"""NER speed of each path on a labelled CoNLL/HIPE file: words/s and words per CPU second, with F1, against a baseline.

    PYTHONPATH=src .venv/bin/python benchmarks/ner_speed.py --data /work/shared/data/conll2002/ned.testb \
        --baseline /path/to/old/ner-e5 --model models/ner-e5 --model ner-nl --threads 1 2

Every model (directories are relative to the models folder unless absolute; ONNX when they hold model.onnx, else a
spaCy pipeline) is loaded once per thread count and tags the whole file ``--repeats`` times, the runs of all models
taking turns so that a machine's changing load falls on each alike. Per model and thread count it prints the load
time, the median words/s (wall clock) and words per CPU second (this process's user+system time, every thread
counted) of the recogniser alone, F1 (strict, seqeval) and both speeds' ratios to the baseline at the same thread
count. On a shared machine words/s follows the load; words per CPU second much less, so compare that there.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from verrijk.config import Settings
from verrijk.enrich.text.ner.backends import TYPE_OF_LABEL, OnnxTokenClassifier, load_recogniser, word_tagger
from verrijk.enrich.text.ner.conll import read_conll
from verrijk.enrich.text.ner.evaluate import evaluate_ner, spacy_tagger
from verrijk.enrich.text.ner.hipe import is_hipe, read_hipe

LABEL_MAP = {label: (kind if kind != "DATE" else None) for label, kind in TYPE_OF_LABEL.items()}


def onnx_path(spec: str, models_dir: Path) -> Path | None:
    """The directory of an ONNX model spec, or None for a spaCy one."""
    path = Path(spec) if Path(spec).is_absolute() else models_dir / spec
    return path if (path / "model.onnx").is_file() else None


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="CoNLL/BIO file or HIPE TSV")
    parser.add_argument("--baseline", required=True, help="the model the others are compared with")
    parser.add_argument("--model", action="append", default=[], help="a model to measure (repeatable)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="ONNX thread counts to measure")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    models_dir = Settings().models_dir
    sentences = read_hipe(args.data) if is_hipe(args.data) else read_conll(args.data)
    words = [s.words for s in sentences]
    count = sum(len(w) for w in words)
    print(f"{args.data.name}: {len(sentences)} sentences, {count} words; load average {os.getloadavg()}")
    runs = []  # [spec, threads, tag, load seconds, f1, walls, cpus]
    for threads in args.threads:
        for spec in [args.baseline, *args.model]:
            path = onnx_path(spec, models_dir)
            if path is None and threads != args.threads[0]:
                continue  # spaCy runs in one thread whatever the count
            started = time.perf_counter()
            recogniser = OnnxTokenClassifier(path, threads=threads) if path else load_recogniser(spec, models_dir)
            loaded = time.perf_counter() - started
            tag = word_tagger(recogniser) if path else spacy_tagger(recogniser.nlp)
            f1 = evaluate_ner(tag, sentences, LABEL_MAP, batched=True)["overall"]["f1"]
            runs.append([spec, threads if path else 1, tag, loaded, f1, [], []])
    for _ in range(args.repeats):
        for run in runs:
            started, cpu = time.perf_counter(), cpu_seconds()
            run[2](words)
            run[5].append(time.perf_counter() - started)
            run[6].append(cpu_seconds() - cpu)
    base = {run[1]: run for run in runs if run[0] == args.baseline}
    print(f"load average after: {os.getloadavg()}")
    print("| model | threads | load s | F1 | words/s | words/CPU-s | x words/s | x words/CPU-s |")
    print("|---|---|---|---|---|---|---|---|")
    for spec, threads, _, loaded, f1, walls, cpus in runs:
        speed, per_cpu = count / statistics.median(walls), count / statistics.median(cpus)
        reference = base.get(threads, base[min(base)])
        ratio = statistics.median(reference[5]) / statistics.median(walls)
        cpu_ratio = statistics.median(reference[6]) / statistics.median(cpus)
        print(
            f"| {spec} | {threads} | {loaded:.1f} | {f1:.4f} | {speed:,.0f} | {per_cpu:,.0f} | {ratio:.2f} | "
            f"{cpu_ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
