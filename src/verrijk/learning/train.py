"""`train_from_decisions`: the organisation's judged suggestions of one kind become training data; a candidate is
fitted on two thirds of the records, the candidate and the version serving now are scored on the held-out third
(agreement with the reviewers), and the candidate is registered, active only when it is better."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from verrijk.config import Settings
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.errors import BadInput, UnknownAuthority
from verrijk.learning.examples import Example, agreement, decision_examples, split
from verrijk.learning.registry import next_version, register, version_folder
from verrijk.store.repo import Repo

HEADLINE = "f1"  # agreement with reviewers on held-out decisions
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Trainer:
    """How one model learns from decisions."""

    name: str  # verrijk train NAME
    registry: str  # its folder in the models directory and in the trained one
    kind: str  # the suggestions it learns from
    how: str  # the training it does, for the registry
    current: Callable[[Settings], tuple[str, Path]]  # the version serving now and its folder
    load: Callable[[Path], Any]
    fit: Callable[[Any, Sequence[Example], Progress], Any]
    predicts: Callable[[Any, Sequence[Example]], list[bool]]
    save: Callable[[Any, Path, Path], None]  # (model, version folder, the current version's folder)
    enrichers: tuple[str, ...] | None = None  # only these enrichers' suggestions (None: every one of the kind)


def subjects_trainer() -> Trainer:
    from verrijk.learning import subjects

    return Trainer(
        "subjects",
        "subjects",
        "subject",
        "subjects.demo decisions: neighbour memory updated, logistic regression fine-tuned (60 Adam steps with "
        "replay), ensemble threshold retuned",
        subjects.current,
        subjects.load,
        subjects.fit,
        subjects.predictions,
        subjects.save,
        ("subjects.demo",),
    )


def link_trainer(indexes: Sequence[AuthorityIndex]) -> Trainer:
    from verrijk.learning import linking

    return Trainer(
        "link",
        "linking",
        "link",
        "link decisions: logistic weights fine-tuned from the current ones (300 Adam steps, L2 pull towards them), "
        f"candidates from {', '.join(i.name for i in indexes)}",
        linking.current,
        linking.loader(indexes),
        linking.fit,
        linking.predictions,
        linking.save,
    )


def _link_indexes(repo: Repo, settings: Settings) -> list[AuthorityIndex]:
    """The organisation's readable authorities among those the deployment links to."""
    from verrijk.enrich.text.linking.store import open_index

    indexes = []
    for name in settings.link_authorities:
        try:
            indexes.append(open_index(repo.session, repo.org_id, name))
        except UnknownAuthority:
            continue
    if not indexes:
        raise BadInput(f"none of the authorities {settings.link_authorities} is loaded (verrijk authority add)")
    return indexes


def ner_trainer(settings: Settings) -> Trainer:
    from verrijk.learning import ner

    return Trainer(
        "ner",
        ner.registry_name(settings),
        "entity",
        f"entity decisions: the spaCy pipeline fine-tuned {ner.PASSES} passes on the judged sentences (partial "
        "annotation: judged spans only)",
        ner.current,
        ner.load,
        ner.fit,
        ner.predictions,
        ner.save,
    )


NAMES = ("subjects", "link", "ner")


def learn(
    trainer: Trainer, examples: Sequence[Example], settings: Settings, progress: Progress = lambda _: None
) -> dict[str, Any]:
    """Fit, score against the serving version on held-out decisions, register; returns the registry entry."""
    train, held_out = split(examples)
    if not train or not held_out:
        raise BadInput(
            f"{len(examples)} judged {trainer.kind} suggestions: too few to train on and hold out (need decisions on "
            "at least three records)"
        )
    current_version, source = trainer.current(settings)
    progress(f"{trainer.registry}: current version {current_version}; {len(train)} decisions to train on, "
             f"{len(held_out)} held out")  # fmt: skip
    model = trainer.load(source)
    current_metrics = agreement(held_out, partial(trainer.predicts, model))  # first: a trainer may fit in place
    started = time.perf_counter()
    candidate = trainer.fit(model, train, progress)
    seconds = round(time.perf_counter() - started, 2)
    progress(f"{trainer.registry}: trained in {seconds} s; scoring both versions on the held-out decisions")
    metrics = agreement(held_out, partial(trainer.predicts, candidate))
    version = next_version(settings.trained_dir, trainer.registry)
    trainer.save(candidate, version_folder(settings.trained_dir, trainer.registry, version), source)
    entry = register(
        settings.trained_dir,
        trainer.registry,
        HEADLINE,
        {
            "version": version,
            "command": f"verrijk train {trainer.name} --from-decisions",
            "data": f"{len(train)} review decisions ({trainer.how}); scored on {len(held_out)} held-out decisions",
            "metrics": {**metrics, "training_seconds": seconds, "trained_on": len(train)},
        },
        {"metrics": current_metrics},
        current_version,
    )
    progress(
        f"{trainer.registry}: {version} {entry['status']}: {HEADLINE} {metrics[HEADLINE]} against "
        f"{current_metrics[HEADLINE]} of {current_version}"
    )
    return entry


def train_from_decisions(repo: Repo, settings: Settings, name: str, progress: Progress = lambda _: None) -> dict:
    """Train a new version of a model (subjects, link, ner) from the organisation's review decisions."""
    if name not in NAMES:
        raise BadInput(f"no trainer {name!r}; one of {', '.join(NAMES)}")
    if name == "subjects":
        trainer = subjects_trainer()
    elif name == "link":
        trainer = link_trainer(_link_indexes(repo, settings))
    else:
        trainer = ner_trainer(settings)
    return learn(trainer, decision_examples(repo, trainer.kind, trainer.enrichers), settings, progress)
