"""Training the Dutch NER model from decisions: the spaCy pipeline (models/ner-nl, or its active trained version)
is fine-tuned for a few passes over the judged sentences, each sentence annotated only where reviewers spoke (an
accepted or edited entity is gold, a rejected span is marked as no entity, every other token is left unknown, so
what nobody judged is not taught as O). Seconds on a CPU for hundreds of sentences."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from verrijk.config import Settings
from verrijk.enrich.models import active_trained, get_model
from verrijk.enrich.text.ner.backends import TYPE_OF_LABEL
from verrijk.learning.examples import Example

Progress = Callable[[str], None]
PASSES = 8
DROPOUT = 0.2


def registry_name(settings: Settings) -> str:
    return Path(settings.ner_models["nl"]).name


def current(settings: Settings) -> tuple[str, Path]:
    name = registry_name(settings)
    trained = active_trained(settings.trained_dir, name)
    if trained:
        return trained
    return get_model(settings.models_dir, name).active or "shipped", settings.models_dir / name


def load(folder: Path) -> Any:
    import spacy

    return spacy.load(folder)


def _entities(nlp: Any, texts: Sequence[str]) -> dict[str, set[tuple[int, int, str]]]:
    """Per text, (start, end, verrijk type) of the entities the pipeline finds."""
    out = {}
    for text, doc in zip(texts, nlp.pipe(texts), strict=True):
        out[text] = {(e.start_char, e.end_char, TYPE_OF_LABEL.get(e.label_, e.label_)) for e in doc.ents}
    return out


def predictions(nlp: Any, examples: Sequence[Example]) -> list[bool]:
    """Whether the pipeline finds each example's span with its type."""
    found = _entities(nlp, list(dict.fromkeys(e.text for e in examples)))
    return [(e.start, e.end, e.entity_type) in found[e.text] for e in examples]


def training_examples(nlp: Any, train: Sequence[Example]) -> list[Any]:
    """spaCy Examples annotated where reviewers judged: gold entities, spans marked as no entity, the rest unknown."""
    from spacy.training import Example as SpacyExample

    label_of = {TYPE_OF_LABEL.get(label, label): label for label in nlp.get_pipe("ner").labels}
    by_text: dict[str, list[Example]] = defaultdict(list)
    for e in train:
        if e.start is not None and e.end is not None:
            by_text[e.text].append(e)
    out = []
    for text, judged in by_text.items():
        reference = nlp.make_doc(text)
        right, wrong, taken = [], [], set()
        for e in sorted(judged, key=lambda x: (not x.right, x.start)):
            span = reference.char_span(e.start, e.end, alignment_mode="expand")
            if span is None or taken & set(range(span.start, span.end)):
                continue
            if e.right and e.entity_type in label_of:
                right.append(
                    reference.char_span(e.start, e.end, label=label_of[e.entity_type], alignment_mode="expand")
                )
            elif not e.right:
                wrong.append(span)
            else:
                continue
            taken |= set(range(span.start, span.end))
        reference.set_ents(right, outside=wrong, default="missing")
        out.append(SpacyExample(nlp.make_doc(text), reference))
    return out


def fit(nlp: Any, train: Sequence[Example], progress: Progress = lambda _: None) -> Any:
    """The pipeline fine-tuned in place (NER and the tok2vec it listens to; PASSES passes, minibatches of 8)."""
    from spacy.util import minibatch

    examples = training_examples(nlp, train)
    progress(f"ner: {len(train)} decisions on {len(examples)} sentences; {PASSES} passes")
    trainable = [name for name in ("tok2vec", "ner") if name in nlp.pipe_names]
    optimizer = nlp.resume_training()
    draw = random.Random(14)
    with nlp.select_pipes(enable=trainable):
        for i in range(PASSES):
            draw.shuffle(examples)
            losses: dict[str, float] = {}
            for batch in minibatch(examples, size=8):
                nlp.update(batch, sgd=optimizer, drop=DROPOUT, losses=losses)
            progress(f"ner: pass {i + 1}: loss {losses.get('ner', 0.0):.2f}")
    return nlp


def save(nlp: Any, folder: Path, source: Path) -> None:
    """The pipeline, its version naming the trained one (what suggestions will carry)."""
    nlp.meta["version"] = f"{nlp.meta.get('version', '0')}+{folder.name}"
    folder.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(folder)
