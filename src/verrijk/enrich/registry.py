"""The enricher registry: named, lazily imported factories with declared parameters, after Annif's backend
registry and spaCy's factories.

An `EnricherSpec` says what an enricher is without importing it: its name, what it reads, its parameters
(types, defaults, limits), its model card, and where its factory lives ("module:attribute"). The factory is
imported only when an enricher is built, and is called with `(params, context)`: the validated parameters and
an `EnricherContext` (the organisation's store, the deployment's settings). Specs come from verrijk itself
(`enrich/builtin.py`) and from other packages through the `verrijk.enrichers` entry-point group, whose entries
point at an `EnricherSpec` or at an `Enricher` subclass that declares the same class attributes.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from verrijk.enrich.base import Enricher
from verrijk.errors import Invalid

if TYPE_CHECKING:
    from verrijk.config import Settings
    from verrijk.store.repo import Repo

ENTRY_POINT_GROUP = "verrijk.enrichers"
MEDIA_KINDS = frozenset({"text", "image", "audio", "video"})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Param:
    """One parameter an enricher takes: its type, its default, what it means, and (for numbers) its bounds."""

    type: Any
    default: Any
    description: str
    ge: float | None = None
    le: float | None = None


@dataclass(frozen=True)
class EnricherContext:
    """What a factory may read besides its parameters: the organisation's store and the deployment's settings."""

    repo: Repo
    settings: Settings

    @property
    def organisation_settings(self) -> dict[str, Any]:
        return self.repo.organisation().settings or {}


Factory = Callable[[dict[str, Any], EnricherContext], Enricher]


@dataclass(frozen=True)
class EnricherSpec:
    name: str
    factory: str | Factory  # "package.module:attribute", imported on first build, or the callable itself
    accepts: frozenset[str]
    description: str
    version: str = ""  # code version; what a suggestion stores also names the models the enricher loaded
    params: Mapping[str, Param] = field(default_factory=dict)
    card: str | None = None  # folder under the models directory with card.md/README.md and metrics.json
    reads_protected_content: bool = False  # copies or transcribes content: gated by the rights policy
    source: str = "verrijk"  # the distribution that provides it

    def __post_init__(self) -> None:
        unknown = set(self.accepts) - MEDIA_KINDS
        if not self.accepts or unknown:
            raise ValueError(f"enricher {self.name!r} must accept some of {sorted(MEDIA_KINDS)}, not {sorted(unknown)}")

    @classmethod
    def of(cls, enricher: type[Enricher], source: str = "verrijk") -> EnricherSpec:
        """A spec from an Enricher subclass's class attributes (name, version, accepts, params, card, docstring)."""
        return cls(
            name=enricher.name,
            factory=enricher.create,
            accepts=frozenset(enricher.accepts),
            description=(enricher.__doc__ or "").strip().split("\n")[0],
            version=enricher.version,
            params=dict(getattr(enricher, "params", {}) or {}),
            card=getattr(enricher, "card", None),
            reads_protected_content=enricher.reads_protected_content,
            source=source,
        )

    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.params.items()}

    @cached_property
    def params_model(self) -> type[BaseModel]:
        """The declared parameters as one pydantic model, built once per spec: validation and schema both read it."""
        fields = {
            name: (p.type, Field(p.default, description=p.description, ge=p.ge, le=p.le))
            for name, p in self.params.items()
        }
        return create_model(f"Params_{self.name}", __config__=ConfigDict(extra="forbid", strict=False), **fields)

    def validate(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Parameters with defaults filled in; Invalid naming the parameter and what is wrong with it."""
        try:
            return self.params_model.model_validate(dict(params or {})).model_dump()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise Invalid(f"parameters of enricher {self.name!r}: {problems}") from None

    def schema(self) -> dict[str, Any]:
        """The parameters as JSON Schema properties (type, default, description, bounds), for API and CLI."""
        properties = self.params_model.model_json_schema().get("properties", {})
        return {name: {k: v for k, v in properties[name].items() if k != "title"} for name in self.params}

    def load_factory(self) -> Factory:
        if callable(self.factory):
            return self.factory
        module, _, attribute = self.factory.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def build(self, params: Mapping[str, Any] | None, context: EnricherContext) -> Enricher:
        enricher = self.load_factory()(self.validate(params), context)
        if enricher.name != self.name:
            raise RuntimeError(f"the factory of {self.name!r} built an enricher named {enricher.name!r}")
        return enricher

    def card_folder(self, models_dir: Path) -> Path | None:
        return card_folder(models_dir, self.name, self.card)

    def model_card(self, models_dir: Path) -> tuple[str, dict[str, Any]]:
        """The card's text (markdown) and its metrics; empty when the enricher has none."""
        return read_card(self.card_folder(models_dir))


CARD_FILES = ("card.md", "README.md")


def card_folder(models_dir: Path, enricher: str, card: str | None = None) -> Path | None:
    """Where an enricher's model card and metrics are: models/<card>/, else models/<name>/, else its family's
    folder (models/subjects/ for subjects.demo); None when there is none."""
    for name in (card, enricher, enricher.split(".")[0]):
        if name and (models_dir / name).is_dir():
            return models_dir / name
    return None


def card_text(folder: Path) -> str:
    """A model folder's card (card.md, else README.md); empty when it has none."""
    path = next((folder / n for n in CARD_FILES if (folder / n).exists()), None)
    return path.read_text(encoding="utf-8") if path else ""


def read_card(folder: Path | None) -> tuple[str, dict[str, Any]]:
    """A model folder's card text and its metrics.json; empty for no folder."""
    if folder is None:
        return "", {}
    metrics = folder / "metrics.json"
    return card_text(folder), json.loads(metrics.read_text(encoding="utf-8")) if metrics.exists() else {}


class Registry:
    """The enrichers this installation knows: verrijk's own, the installed plug-ins', and any added at run time."""

    def __init__(self, builtin: tuple[EnricherSpec, ...] | None = None):
        if builtin is None:
            from verrijk.enrich.builtin import BUILTIN  # the specs are built from this module's classes

            builtin = BUILTIN
        self._builtin = builtin
        self._added: dict[str, EnricherSpec] = {}
        self._plugins: dict[str, EnricherSpec] | None = None

    def _discover(self) -> dict[str, EnricherSpec]:
        if self._plugins is None:
            self._plugins = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    loaded = ep.load()
                    source = ep.dist.name if ep.dist else ep.value
                    spec = loaded if isinstance(loaded, EnricherSpec) else EnricherSpec.of(loaded, source)
                except Exception:  # a broken plug-in must not take the service down: say so and go on
                    log.exception("enricher plug-in %s = %s could not be loaded", ep.name, ep.value)
                    continue
                if spec.name != ep.name:
                    log.warning("entry point %r declares enricher %r: the entry point's name wins", ep.name, spec.name)
                self._plugins[ep.name] = spec
        return self._plugins

    def specs(self) -> dict[str, EnricherSpec]:
        found = {spec.name: spec for spec in self._builtin}
        found.update(self._discover())
        found.update(self._added)
        return dict(sorted(found.items()))

    def get(self, name: str) -> EnricherSpec:
        specs = self.specs()
        if name not in specs:
            raise Invalid(f"unknown enricher {name!r}; known: {', '.join(specs) or 'none'}")
        return specs[name]

    def add(self, spec: EnricherSpec) -> EnricherSpec:
        self._added[spec.name] = spec
        return spec

    def remove(self, name: str) -> None:
        self._added.pop(name, None)

    def refresh(self) -> None:
        """Look for plug-ins again (after a package was installed into the running process)."""
        self._plugins = None


REGISTRY = Registry()
