"""Reading what reconciliation clients send: query batches, data-extension queries, types and JSONP callbacks.

Every problem becomes a `ProtocolError` that names the parameter and the place inside it (a query id, a field,
a JSON line and column), because OpenRefine shows the service's message as-is and the user has to act on it.
Unknown extra fields are ignored: clients (OpenRefine included) send more than the 0.2 schema lists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_BATCH = 50  # queries in one batch; announced as batchSize in the manifest
MAX_EXTEND_IDS = 200
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
TYPE_STRICT = ("any", "all", "should")
_CALLBACK = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*", re.ASCII)
_PROPERTY_ID = re.compile(r"[A-Za-z][\w:.-]{0,63}", re.ASCII)


class ProtocolError(ValueError):
    """A request the service cannot answer: `status` 400, or 413 for a batch over the limit."""

    def __init__(self, parameter: str, message: str, status: int = 400, **extra: Any):
        super().__init__(f"parameter {parameter!r}: {message}")
        self.parameter, self.status, self.extra = parameter, status, extra


@dataclass(frozen=True)
class EntityType:
    code: str  # verrijk's entity type (Entry.types)
    id: str  # the type identifier clients see
    name: str


TYPES = (
    EntityType("PER", "https://schema.org/Person", "Person"),
    EntityType("LOC", "https://schema.org/Place", "Place"),
    EntityType("ORG", "https://schema.org/Organization", "Organisation"),
    EntityType("CONCEPT", "http://www.w3.org/2004/02/skos/core#Concept", "Concept"),
    EntityType("MISC", "https://schema.org/Thing", "Other"),
)
_TYPE_KEYS = {key.casefold(): t for t in TYPES for key in (t.code, t.id, t.name)}


def entity_type(value: str) -> EntityType | None:
    """A type by its identifier, its verrijk code (PER, LOC, ...) or its name, in any case."""
    return _TYPE_KEYS.get(value.strip().casefold())


def type_of_code(code: str) -> EntityType:
    return _TYPE_KEYS.get(code.casefold()) or EntityType(code, code, code)


@dataclass(frozen=True)
class PropertyConstraint:
    pid: str
    values: tuple[Any, ...]  # strings, numbers, booleans, or {"id": ..., "name": ...} for reconciled values


@dataclass(frozen=True)
class Query:
    text: str
    types: tuple[str, ...] = ()  # verrijk codes
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    properties: tuple[PropertyConstraint, ...] = ()


@dataclass(frozen=True)
class ExtendQuery:
    ids: tuple[str, ...]
    properties: tuple[tuple[str, dict[str, Any]], ...] = field(default=())  # (property id, settings)


def valid_callback(name: str) -> str:
    """A JSONP callback must be a plain (dotted) JavaScript identifier: anything else could inject script."""
    if len(name) > 128 or not _CALLBACK.fullmatch(name):
        raise ProtocolError("callback", "must be a JavaScript name such as 'jQuery123_456' (letters, digits, _ $ .)")
    return name


def load_json(parameter: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ProtocolError(
            parameter,
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} (character {exc.pos})",
            line=exc.lineno,
            column=exc.colno,
            position=exc.pos,
        ) from exc


def parse_queries(raw: str) -> dict[str, Query]:
    """A reconciliation query batch: {"q0": {"query": ..., "type": ..., "limit": ..., "properties": [...]}}."""
    batch = load_json("queries", raw)
    if not isinstance(batch, dict):
        raise ProtocolError("queries", 'must be a JSON object mapping query ids to queries, e.g. {"q0": {...}}')
    if len(batch) > MAX_BATCH:
        raise ProtocolError("queries", f"holds {len(batch)} queries; send at most {MAX_BATCH} in one batch", status=413)
    return {key: _query(key, value) for key, value in batch.items()}


def _query(key: str, value: Any) -> Query:
    where = f"queries.{key}"
    if not isinstance(value, dict):
        raise ProtocolError("queries", f"{where} must be an object with a 'query' string")
    text = value.get("query", "")
    if not isinstance(text, str):
        raise ProtocolError("queries", f"{where}.query must be a string")
    constraints = _constraints(where, value.get("properties", []))
    if "query" not in value and not constraints:
        raise ProtocolError("queries", f"{where} needs a 'query' string or a non-empty 'properties' list")
    strict = value.get("type_strict", "any")
    if strict not in TYPE_STRICT:
        raise ProtocolError("queries", f"{where}.type_strict must be one of {', '.join(TYPE_STRICT)}")
    return Query(text.strip(), _types(where, value.get("type")), strict, _limit(where, value.get("limit")), constraints)


def _types(where: str, value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ProtocolError("queries", f"{where}.type must be a type id or a list of type ids")
    codes = []
    for v in values:
        found = entity_type(v)
        if found is None:
            known = ", ".join(t.id for t in TYPES)
            raise ProtocolError("queries", f"{where}.type {v!r} is not a type of this service; known: {known}")
        codes.append(found.code)
    return tuple(dict.fromkeys(codes))


def _limit(where: str, value: Any) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 1:
        raise ProtocolError("queries", f"{where}.limit must be a positive integer")
    return min(int(value), MAX_LIMIT)


def _constraints(where: str, value: Any) -> tuple[PropertyConstraint, ...]:
    if not isinstance(value, list):
        raise ProtocolError("queries", f'{where}.properties must be a list of {{"pid": ..., "v": ...}} objects')
    found = []
    for i, item in enumerate(value):
        here = f"{where}.properties[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("pid"), str) or "v" not in item:
            raise ProtocolError("queries", f"{here} must be an object with a string 'pid' and a value 'v'")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        for v in values:
            if not (isinstance(v, str | int | float | bool) or (isinstance(v, dict) and isinstance(v.get("id"), str))):
                raise ProtocolError("queries", f'{here}.v must hold strings, numbers, booleans or {{"id": ...}}')
        found.append(PropertyConstraint(item["pid"], tuple(values)))
    return tuple(found)


def parse_extend(raw: str) -> ExtendQuery:
    """A data-extension query: {"ids": [...], "properties": [{"id": ..., "settings": {...}}]}."""
    query = load_json("extend", raw)
    if not isinstance(query, dict):
        raise ProtocolError("extend", 'must be a JSON object {"ids": [...], "properties": [{"id": ...}]}')
    ids, properties = query.get("ids"), query.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ProtocolError("extend", "extend.ids must be a list of entity ids (strings)")
    if len(ids) > MAX_EXTEND_IDS:
        raise ProtocolError("extend", f"holds {len(ids)} ids; send at most {MAX_EXTEND_IDS} at once", status=413)
    if not isinstance(properties, list):
        raise ProtocolError("extend", 'extend.properties must be a list of {"id": ...} objects')
    wanted = []
    for i, item in enumerate(properties):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ProtocolError("extend", f'extend.properties[{i}] must be an object with a string "id"')
        if not _PROPERTY_ID.fullmatch(item["id"]):
            raise ProtocolError("extend", f"extend.properties[{i}].id {item['id']!r} is not a property id")
        if any(item["id"] == pid for pid, _ in wanted):
            raise ProtocolError("extend", f"extend.properties[{i}].id {item['id']!r} is asked for twice")
        settings = item.get("settings", {})
        if not isinstance(settings, dict):
            raise ProtocolError("extend", f"extend.properties[{i}].settings must be an object")
        wanted.append((item["id"], settings))
    return ExtendQuery(tuple(ids), tuple(wanted))
