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
    ranked = [records[i].source_id for i, _ in index.search(query_terms(q["query"], q["lang"]))[:10]]
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

# %%
shipped = json.loads((QUERY_SET.parents[2] / "models" / "search" / "metrics.json").read_text())
figure, axes = plt.subplots(figsize=(6, 3))
labels = sorted(groups)
axes.bar(range(len(labels)), [mean(v[0] for v in groups[g]) for g in labels])
axes.set_xticks(range(len(labels)), [f"{k}\n{lang}" for k, lang in labels], fontsize="small")
axes.set(ylim=(0, 1), ylabel="nDCG@10", title="Lexical search per query kind and language")
plt.show()
{k: v for k, v in shipped.items() if not isinstance(v, dict | list)}
