"""The enrichers verrijk ships, and the ones a deployment turns on (VERRIJK_ENRICHERS)."""

from __future__ import annotations

from verrijk.enrich.base import REGISTRY, Enricher, create
from verrijk.enrich.text import creators, entities  # noqa: F401  (register link.creators, ner)
from verrijk.enrich.text.subjects import enricher as subjects  # noqa: F401  (registers subjects.*)


def available() -> list[str]:
    return sorted(REGISTRY)


def build(names: list[str]) -> list[Enricher]:
    """Instantiate enrichers by name; KeyError names the unknown one."""
    return [create(name) for name in names]
