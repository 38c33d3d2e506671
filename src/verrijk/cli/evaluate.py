"""`verrijk eval ner|link|subjects|search`: score models on labelled data, print JSON metrics and, with --report DIR,
write an HTML report with plots (per type, precision–recall, calibration, acceptance by score bucket, this
version against the previous one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from verrijk.cli.common import OrgOption, err, open_repo, out
from verrijk.config import Settings
from verrijk.errors import BadInput

app = typer.Typer(help="Evaluate models on labelled data; prints JSON metrics.", no_args_is_help=True)
ReportOption = typer.Option(None, "--report", help="write an HTML report with PNG plots into this folder")
AcceptanceOrg = typer.Option(
    None, "--org", envvar="VERRIJK_ORG", help="the report's acceptance by score bucket: this organisation's decisions"
)


def _finish(
    metrics: dict[str, Any],
    report: Path | None,
    title: str,
    registry: str,
    scored: list[tuple[float, bool]] | None = None,
    org: str | None = None,
) -> None:
    """Print the metrics; with a report folder, write the report there and say where."""
    out.print_json(json.dumps(metrics))
    if report is None:
        return
    from verrijk.enrich.models import get_model
    from verrijk.errors import NotFound
    from verrijk.learning.report import write_report
    from verrijk.review.stats import review_stats

    settings = Settings()
    try:
        model = get_model(settings.models_dir, registry, settings.trained_dir)
    except NotFound:
        model = None
    acceptance = None
    if org is not None:
        with open_repo(org) as repo:
            acceptance = review_stats(repo)["enrichers"]
    index = write_report(report, title, metrics, scored or [], model, acceptance)
    err.print(f"report: {index}", markup=False, highlight=False)


@app.command("ner")
def eval_ner(
    data: Path = typer.Option(..., "--data", help="CoNLL/BIO file (tag in the last column) or HIPE TSV"),
    lang: str = typer.Option(..., "--lang", help="language whose configured model is scored (nl, fr, en)"),
    model: str | None = typer.Option(None, help="score this model (directory or spaCy package) instead"),
    report: Path | None = ReportOption,
    org: str | None = AcceptanceOrg,
) -> None:
    """Entity-level precision, recall and F1 per type (seqeval, strict IOB2) of a NER model on a labelled file."""
    from verrijk.enrich.text.ner.backends import TYPE_OF_LABEL, SpacyRecogniser, load_recogniser, word_tagger
    from verrijk.enrich.text.ner.conll import read_conll
    from verrijk.enrich.text.ner.evaluate import evaluate_ner
    from verrijk.enrich.text.ner.hipe import is_hipe, read_hipe

    settings = Settings()
    spec = model or settings.ner_models.get(lang)
    if not spec:
        raise BadInput(f"no NER model is configured for language {lang!r} (VERRIJK_NER_MODELS); pass --model")
    if not data.is_file():
        raise BadInput(f"{data} is not a file")
    sentences = read_hipe(data) if is_hipe(data) else read_conll(data)
    recogniser = load_recogniser(spec, settings.models_dir)
    # the model's own labels (PERSON, GPE, ...) scored as verrijk's types; DATE is not in CoNLL-style sets
    label_map = {label: (kind if kind != "DATE" else None) for label, kind in TYPE_OF_LABEL.items()}
    if isinstance(recogniser, SpacyRecogniser):
        metrics = evaluate_ner(recogniser.nlp, sentences, label_map)
    else:
        metrics = evaluate_ner(word_tagger(recogniser), sentences, label_map, batched=True)
    metrics.update(model=f"{recogniser.name}@{recogniser.version}", data=str(data), language=lang)
    _finish(metrics, report, f"NER {recogniser.name}@{recogniser.version} on {data.name}", Path(spec).name, org=org)


@app.command("link")
def eval_link(
    data: Path = typer.Option(..., "--data", help="labelled mentions, JSON lines (training/build_link_set.py)"),
    split: str = typer.Option("test", help="train, dev, test or all"),
    country: str | None = typer.Option(
        None, help="collection country (ISO code) for every mention; 'none' leaves it out; default: the file's"
    ),
    authority: list[Path] | None = typer.Option(
        None, "--authority", "-a", help="link against this vocabulary file (repeatable) instead of the shipped ones"
    ),
    min_population: int = typer.Option(500, help="smallest GeoNames place indexed"),
    report: Path | None = ReportOption,
    org: str | None = AcceptanceOrg,
) -> None:
    """Entity linking against the shipped authorities (vkc-creators, geonames) or given files: accuracy on
    linkable mentions, NIL precision/recall, calibration, per type, mentions/s."""
    from verrijk.enrich.text.linking.evaluate import evaluate, read_mentions
    from verrijk.enrich.text.linking.index import AuthorityIndex
    from verrijk.enrich.text.linking.linker import Linker
    from verrijk.enrich.text.linking.loaders import load
    from verrijk.enrich.text.linking.shipped import geonames_entries, vkc_creator_entries

    if not data.is_file():
        raise BadInput(f"{data} is not a file")
    if split not in ("train", "dev", "test", "all"):
        raise BadInput(f"--split {split!r} is not one of train, dev, test, all")
    items = read_mentions(data, split)
    if authority:
        indexes = [AuthorityIndex(path.stem, load(path)) for path in authority]
    else:
        indexes = [
            AuthorityIndex("vkc-creators", vkc_creator_entries()),
            AuthorityIndex("geonames", geonames_entries(min_population)),
        ]
    if not items:
        raise BadInput(f"{data} has no mentions in split {split!r}")
    override: str | bool = True if country is None else (False if country.lower() == "none" else country.upper())
    scored: list[tuple[float, bool]] = []
    metrics = evaluate(Linker(indexes), items, override, scored)
    metrics.update(data=str(data), split=split)
    _finish(metrics, report, f"Entity linking on {data.name} ({split})", "linking", scored, org)


@app.command("subjects")
def eval_subjects(
    data: Path | None = typer.Option(None, "--data", help="collection CSV in the demo's columns (default: the demo)"),
    split: str = typer.Option("test", help="train, dev, test or all (by text hash, as training split them)"),
    limit: int = typer.Option(5, min=1, help="suggestions per record"),
    report: Path | None = ReportOption,
    org: str | None = AcceptanceOrg,
) -> None:
    """The serving demo subject model (the active version trained from decisions, else the shipped one): F1@k,
    NDCG@k and precision@1 against the records' subject terms, per-concept figures for the most common ones."""
    from verrijk.enrich.text.subjects.data import load_demo_records
    from verrijk.learning.subjects import current, evaluate_records, load

    if data is not None and not data.is_file():
        raise BadInput(f"{data} is not a file")
    if split not in ("train", "dev", "test", "all"):
        raise BadInput(f"--split {split!r} is not one of train, dev, test, all")
    records = [r for r in load_demo_records(data) if split == "all" or r.split == split]
    version, folder = current(Settings())
    scored: list[tuple[float, bool]] = []
    metrics = evaluate_records(load(folder), records, limit, scored)
    metrics.update(model=f"subjects {version}", data=str(data or "demo collection"), split=split)
    _finish(metrics, report, f"Subjects {version} on {split} records", "subjects", scored, org)


@app.command("search")
def eval_search(
    data: Path = typer.Option(..., "--data", help="relevance judgements (JSON, as tests/data/search_queries.json)"),
    mode: list[str] | None = typer.Option(None, "--mode", help="lexical, semantic or hybrid (repeatable; all)"),
    org: str | None = OrgOption,
    report: Path | None = ReportOption,
) -> None:
    """nDCG@10 and recall@10 of the organisation's search index per mode, overall, per query language and kind
    (records named by source_id; run `verrijk index` first)."""
    from verrijk.search.evaluate import evaluate, load_queries
    from verrijk.search.hybrid import MODES
    from verrijk.search.service import SearchService

    if not data.is_file():
        raise BadInput(f"{data} is not a file")
    modes = mode or list(MODES)
    if unknown := [m for m in modes if m not in MODES]:
        raise BadInput(f"--mode {unknown[0]!r} is not one of {', '.join(MODES)}")
    with open_repo(org) as repo:
        metrics: dict[str, Any] = evaluate(SearchService(Settings().data_dir), repo, load_queries(data), modes)
    metrics["per_type"] = {m: metrics[m]["all"] for m in modes}
    metrics.update(data=str(data))
    _finish(metrics, report, f"Search on {data.name}", "search", org=org)
