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
# # Linking errors
#
# verrijk's linker (candidate features, the fitted logistic model and calibration of `models/linking`) on 20
# labelled mentions (`notebooks/data/link_mentions.jsonl`) against the small people and GeoNames authorities the
# tests use: ambiguous places told apart by the collection's country, painters by the record's dates, and
# mentions whose entity is not in the authority (NIL). Then every error with its candidates and their features.
# `verrijk eval link --data FILE --report DIR` scores the shipped authorities on the demo link set.

# %%
from pathlib import Path

import matplotlib.pyplot as plt

from verrijk.enrich.text.linking.evaluate import context_of, evaluate, read_mentions
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.loaders import load

HERE = Path.cwd() if (Path.cwd() / "data").is_dir() else Path("notebooks")
FIXTURES = HERE.parent / "tests" / "fixtures" / "authorities"
indexes = [AuthorityIndex(name, load(FIXTURES / name)) for name in ("people.csv", "geonames.txt")]
linker = Linker(indexes)
mentions = read_mentions(HERE / "data" / "link_mentions.jsonl")
scored = []
metrics = evaluate(linker, mentions, True, scored)
{k: metrics[k] for k in ("accuracy_linkable", "nil_precision", "nil_recall") if k in metrics}

# %% [markdown]
# ## Every error, with the candidates the linker weighed

# %%
errors = []
for item in mentions:
    result = linker.link(item["mention"], item["type"], context_of(item))
    link = result.link.entry.uri if result.link else None
    if link != item["gold"]:
        kind = "linked a NIL mention" if item["gold"] is None else "left as NIL" if link is None else "wrong entry"
        errors.append(kind)
        print(f"{kind}: {item['mention']!r} in {item['text']!r}; gold {item['gold']}, linked {link}")
        for c in result.candidates[:3]:
            strong = {k: round(v, 2) for k, v in c.features.items() if abs(v) > 0.01 and k != "bias"}
            print(f"    {c.score:.3f} {c.entry.label} ({c.entry.uri}) {strong}")
print(len(errors), "errors of", len(mentions))

# %%
right = [s for s, ok in scored if ok]
wrong = [s for s, ok in scored if not ok]
figure, axes = plt.subplots(figsize=(6, 3))
axes.hist([right, wrong], bins=10, range=(0, 1), label=["top candidate right", "top candidate wrong"], stacked=True)
axes.axvline(linker.model.threshold, color="grey", linestyle=":", label="NIL threshold")
axes.set(xlabel="calibrated score of the top candidate", ylabel="mentions", title="Scores of right and wrong links")
axes.legend()
plt.show()
