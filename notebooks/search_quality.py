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
# # Search quality
#
# The relevance judgements of `tests/data/search_queries.json` (subject and known-item queries in Dutch, English
# and French over the 3,668 demo records) against verrijk's lexical index (BM25 with Snowball stems, the
# lexical half of hybrid search) built here in memory: nDCG@10 and recall@10 per query, then per kind and
# language. The vector and hybrid modes need the records' embeddings; their figures, measured over the whole
# demo by `benchmarks/embed.py`, come from the model registry (`models/search/metrics.json`).

# %%
import json
from collections import defaultdict
from statistics import mean

import matplotlib.pyplot as plt

from verrijk.enrich.text.subjects.data import load_demo_records
from verrijk.search.evaluate import QUERY_SET, load_queries, ndcg_at, recall_at
from verrijk.search.lexical import LexicalIndex, query_terms

records = load_demo_records()
index = LexicalIndex()
for i, record in enumerate(records):
    index.upsert(i, record.text, "nl")
queries = load_queries(QUERY_SET)
print(len(records), "records,", len(queries), "queries")

# %%
rows = []
for q in queries:
    ranked = [records[i].source_id for i, _ in index.search(query_terms(q["query"], q["lang"])).top(10)]
    relevant = set(q["relevant"])
    rows.append((q["kind"], q["lang"], q["query"], ndcg_at(ranked, relevant), recall_at(ranked, relevant)))
groups = defaultdict(list)
for kind, lang, _, ndcg, recall in rows:
    groups[(kind, lang)].append((ndcg, recall))
for (kind, lang), values in sorted(groups.items()):
    print(f"{kind:10} {lang}: nDCG@10 {mean(v[0] for v in values):.3f}  recall@10 {mean(v[1] for v in values):.3f}")
print(f"all lexical: nDCG@10 {mean(r[3] for r in rows):.3f}")

# %% [markdown]
# The queries lexical search fails worst: cross-lingual ones, where no word of the query is in the records.

# %%
for kind, lang, query, ndcg, _ in sorted(rows, key=lambda r: r[3])[:8]:
    print(f"{ndcg:.2f} {kind} {lang} {query!r}")

# %% [markdown]
# Lexical here against every mode measured over the whole demo with the shipped embedder (USE-m3): where the
# vector and hybrid modes recover the cross-lingual queries.

# %%
shipped = json.loads((QUERY_SET.parents[2] / "models" / "search" / "metrics.json").read_text())["use-m3"]["quality"]
modes = sorted(shipped)
here = {
    "all": mean(r[3] for r in rows),
    **{lang: mean(r[3] for r in rows if r[1] == lang) for lang in ("nl", "en", "fr")},
}
figure, axes = plt.subplots(figsize=(7, 3.2))
for i, mode in enumerate(modes):
    axes.bar([j + 0.8 * i / len(modes) for j in range(4)], [shipped[mode][g]["ndcg@10"] for g in here],
             0.8 / len(modes), label=f"{mode} (use-m3, whole demo)")  # fmt: skip
axes.plot([j + 0.3 for j in range(4)], list(here.values()), "k*", markersize=10, label="lexical, here")
axes.set_xticks([j + 0.3 for j in range(4)], list(here))
axes.set(ylim=(0, 1), ylabel="nDCG@10", title="Search modes by query language")
axes.legend(fontsize="small")
plt.show()
{mode: shipped[mode]["all"] for mode in modes}
