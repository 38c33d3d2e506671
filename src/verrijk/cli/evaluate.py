"""`verrijk eval ner` and `verrijk eval link`: score models on labelled data and print JSON metrics."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from verrijk.cli.common import out
from verrijk.config import Settings
from verrijk.errors import BadInput

app = typer.Typer(help="Evaluate models on labelled data; prints JSON metrics.", no_args_is_help=True)


@app.command("ner")
def eval_ner(
    data: Path = typer.Option(..., "--data", help="CoNLL/BIO file (tag in the last column) or HIPE TSV"),
    lang: str = typer.Option(..., "--lang", help="language whose configured model is scored (nl, fr, en)"),
    model: str | None = typer.Option(None, help="score this model (directory or spaCy package) instead"),
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
    out.print_json(json.dumps(metrics))


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
    metrics = evaluate(Linker(indexes), items, override)
    metrics.update(data=str(data), split=split)
    out.print_json(json.dumps(metrics))
