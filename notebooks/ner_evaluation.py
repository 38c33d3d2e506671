# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # NER evaluation with error analysis
#
# The Dutch NER model verrijk serves (`models/ner-nl`, configured in `VERRIJK_NER_MODELS`) scored on 25
# hand-labelled heritage sentences (`notebooks/data/ner_gold.txt`), entity by entity (seqeval, strict IOB2), and
# then its errors one by one: what it missed, what it invented, where it chose the wrong type or the wrong
# boundaries. Set `VERRIJK_CONLL` to a CoNLL file (e.g. CoNLL-2002 `ned.testb`) to score on that instead:
# `verrijk eval ner --data FILE --lang nl --report DIR` draws the same figures as a report.

# %%
import os
import re
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt

from verrijk.config import Settings
from verrijk.enrich.text.ner.backends import TYPE_OF_LABEL, load_recogniser
from verrijk.enrich.text.ner.conll import Sentence, read_conll
from verrijk.enrich.text.ner.evaluate import evaluate_ner

HERE = Path.cwd() if (Path.cwd() / "data").is_dir() else Path("notebooks")
ENTITY = re.compile(r"\[(PER|LOC|ORG|MISC) ([^\]]+)\]|(\S+)")


def parse(line: str) -> Sentence:
    words, tags = [], []
    for kind, inside, plain in ENTITY.findall(line):
        if plain:
            words.append(plain)
            tags.append("O")
        else:
            for i, word in enumerate(inside.split()):
                words.append(word)
                tags.append(("B-" if i == 0 else "I-") + kind)
    return Sentence(words, tags)


if os.environ.get("VERRIJK_CONLL"):
    sentences = read_conll(Path(os.environ["VERRIJK_CONLL"]))[:500]
else:
    lines = (HERE / "data" / "ner_gold.txt").read_text(encoding="utf-8").splitlines()
    sentences = [parse(line) for line in lines if line.strip() and not line.startswith("#")]
print(len(sentences), "sentences,", sum(len(s.words) for s in sentences), "words")

# %%
recogniser = load_recogniser(Settings().ner_models["nl"], Settings().models_dir)
label_map = {label: (kind if kind != "DATE" else None) for label, kind in TYPE_OF_LABEL.items()}
metrics = evaluate_ner(recogniser.nlp, sentences, label_map)
print(recogniser.name, recogniser.version, metrics["overall"])
metrics["per_type"]

# %%
types = sorted(metrics["per_type"])
figure, axes = plt.subplots(figsize=(6, 3))
for i, key in enumerate(("precision", "recall", "f1")):
    axes.bar([j + 0.27 * i for j in range(len(types))], [metrics["per_type"][t][key] for t in types], 0.27, label=key)
axes.set_xticks([j + 0.27 for j in range(len(types))], types)
axes.set(ylim=(0, 1), title="Per type")
axes.legend()
plt.show()

# %% [markdown]
# ## The errors, one by one
# Each gold and predicted entity as (start word, end word, type); a prediction over the same words with another
# type is a type error, one that overlaps a gold entity without matching it a boundary error.


# %%
def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    out, start = set(), None
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and not tag.startswith("I-"):
            out.add((start, i, tags[start][2:]))
            start = None
        if tag.startswith("B-"):
            start = i
    return out


def predicted_tags(sentence: Sentence) -> list[str]:
    doc = recogniser.nlp(" ".join(sentence.words))
    tags = ["O"] * len(sentence.words)
    starts = {}
    position = 0
    for i, word in enumerate(sentence.words):
        starts[position] = i
        position += len(word) + 1
    for ent in doc.ents:
        kind = label_map.get(ent.label_, ent.label_)
        first = starts.get(ent.start_char)
        if kind and first is not None:
            last = max(i for p, i in starts.items() if p < ent.end_char)
            tags[first : last + 1] = ["B-" + kind] + ["I-" + kind] * (last - first)
    return tags


errors = Counter()
examples = []
for sentence in sentences:
    gold, predicted = spans(sentence.tags), spans(predicted_tags(sentence))
    for g in gold - predicted:
        same_words = [p for p in predicted if p[:2] == g[:2]]
        overlap = [p for p in predicted if p[0] < g[1] and g[0] < p[1]]
        kind = "wrong type" if same_words else "wrong boundaries" if overlap else "missed"
        errors[kind] += 1
        examples.append((kind, " ".join(sentence.words[g[0] : g[1]]), g[2], [p[2] for p in same_words or overlap]))
    for p in predicted - gold:
        if not any(g[0] < p[1] and p[0] < g[1] for g in gold):
            errors["invented"] += 1
            examples.append(("invented", " ".join(sentence.words[p[0] : p[1]]), None, [p[2]]))
print(dict(errors))
for row in examples[:25]:
    print(row)
