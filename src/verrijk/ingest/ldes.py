"""Reading a Linked Data Event Stream (TREE pages of OSLO heritage objects, as Ghent and verrijk publish them).

The reader keeps its position in a state dict (pages already read that can never change, and the pages
still to read), so a restart continues where it stopped instead of reading the stream from the start.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from verrijk import fetch
from verrijk.ingest.base import IngestError, SourceItem

TREE = "https://w3id.org/tree#"
VERSION_OF = ("dcterms:isVersionOf", "dct:isVersionOf", "isVersionOf", "http://purl.org/dc/terms/isVersionOf")
GENERATED = ("prov:generatedAtTime", "generatedAtTime", "http://www.w3.org/ns/prov#generatedAtTime")
NAME_KEYS = (
    "http://xmlns.com/foaf/0.1/name",
    "foaf:name",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "skos:prefLabel",
    "Organisatie.voorkeursnaam",
    "Persoon.volledigeNaam",
    "label",
)


def _first(node: dict, keys: tuple[str, ...]) -> Any:
    return next((node[k] for k in keys if k in node), None)


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("@id")
    return value if isinstance(value, str) else None


def _list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _texts(value: Any) -> list[tuple[str, str | None]]:
    out = []
    for v in _list(value):
        if isinstance(v, dict) and "@value" in v:
            out.append((str(v["@value"]), v.get("@language")))
        elif isinstance(v, str):
            out.append((v, None))
    return out


def _pick(value: Any) -> tuple[str, str | None]:
    texts = _texts(value)
    for wanted in ("nl", None, "en", "fr"):
        for text, lang in texts:
            if lang == wanted:
                return text, lang
    return texts[0] if texts else ("", None)


def _label(node: Any) -> str | None:
    if not isinstance(node, dict):
        return node if isinstance(node, str) else None
    name = _first(node, NAME_KEYS)
    if name is not None:
        return _pick(name)[0] or None
    return node.get("@id")


def member_item(member: dict, location: str) -> SourceItem | None:
    """A heritage object version as a source item; other members (annotations) are not records."""
    kinds = _list(member.get("@type"))
    if not any(str(k).endswith(("MensgemaaktObject", "E22_Man-Made_Object", "E22_Human-Made_Object")) for k in kinds):
        return None
    source_id = _id(_first(member, VERSION_OF)) or member.get("@id")
    title, language = _pick(member.get("MensgemaaktObject.titel"))
    description, _ = _pick(member.get("Entiteit.beschrijving"))
    production = (_list(member.get("MaterieelDing.productie")) or [{}])[0]
    creators = [_label(a) for a in _list(production.get("Activiteit.uitgevoerdDoor"))]
    date = _pick(production.get("Gebeurtenis.tijd"))[0]
    types = [_label(t) for t in _list(member.get("Entiteit.type"))]
    types += [
        _label(t)
        for c in _list(member.get("Entiteit.classificatie"))
        for t in _list(c.get("Classificatie.toegekendType") if isinstance(c, dict) else None)
    ]
    places = [
        _label(p)
        for p in _list(member.get("MensgemaaktObject.beeldtUit"))
        if isinstance(p, dict) and p.get("@type") == "Locatie"
    ]
    subjects = [
        _label(s)
        for d in _list(member.get("MensgemaaktObject.draagt"))
        if isinstance(d, dict)
        for s in _list(d.get("InformatieObject.gaatOver"))
    ]
    rights = [
        _id(t)
        for r in _list(member.get("WettelijkObject.isOnderworpenAan"))
        if isinstance(r, dict)
        for t in _list(r.get("Recht.type"))
    ]
    identifiers = [
        _pick(i.get("Identificator.identificator"))[0]
        for i in _list(member.get("Entiteit.identificator") or member.get("Object.identificator"))
        if isinstance(i, dict)
    ]
    fields = {
        "source_id": source_id,
        "uri": source_id if str(source_id).startswith("http") else None,
        "title": title,
        "description": description,
        "creator": [c for c in creators if c],
        "date": date.replace("/", "-") if date.count("/") == 1 else date,
        "type": [t for t in types if t],
        "place": [p for p in places if p],
        "subject": [s for s in subjects if s],
        "rights": next((r for r in rights if r), None),
        "language": language,
        "extra": {
            k: v
            for k, v in {
                "identifier": identifiers,
                "ldes_version": member.get("@id"),
                "generated_at": _pick(_first(member, GENERATED))[0],
            }.items()
            if v
        },
    }
    return SourceItem(location, fields, raw=member)


def _members_and_links(doc: Any) -> tuple[list[dict], list[str]]:
    """Members and next-page links of one page, in the shapes publishers use (@graph, @included, items)."""
    nodes = [doc] if isinstance(doc, dict) else list(doc)
    members: list[dict] = []
    links: list[str] = []
    while nodes:
        node = nodes.pop(0)
        if not isinstance(node, dict):
            continue
        for key in ("@graph", "@included", "items"):
            nodes.extend(_list(node.get(key)))
        members.extend(m for m in _list(node.get("tree:member") or node.get(TREE + "member")) if isinstance(m, dict))
        if "memberOf" in node and ("@type" in node):
            members.append(node)
        for relation in _list(node.get("tree:relation") or node.get(TREE + "relation")):
            target = (
                _id(relation.get("tree:node") or relation.get(TREE + "node")) if isinstance(relation, dict) else None
            )
            if target:
                links.append(target)
    return members, links


class LdesReader:
    """The members of a Linked Data Event Stream, page by page from where the last read stopped (`state`), every
    page fetched through verrijk.fetch within the policy."""

    def __init__(self, url: str, state: dict, policy: fetch.Policy):
        self.url, self.state = url, state
        self.policy = replace(policy, headers=policy.headers | {"Accept": "application/ld+json"})
        state.setdefault("done", [])
        state.setdefault("todo", [])

    def _get(self, url: str) -> tuple[Any, bool]:
        try:
            response = fetch.get(url, self.policy)
        except fetch.FetchError as exc:
            raise IngestError(f"cannot read event stream page {url}: {exc}", status=exc.status) from None
        if response.status != 200:
            raise IngestError(f"event stream page {url} answered HTTP {response.status}")
        try:
            doc = json.loads(response.content)
        except ValueError as exc:
            raise IngestError(f"event stream page {url} is not JSON-LD: {exc}") from exc
        return doc, "immutable" in response.headers.get("cache-control", "")

    def _start(self) -> list[str]:
        doc, _ = self._get(self.url)
        kinds = _list(doc.get("@type")) if isinstance(doc, dict) else []
        if any(str(k).endswith("EventStream") for k in kinds) and doc.get("tree:view"):
            return [_id(v) for v in _list(doc["tree:view"]) if _id(v)]
        return [self.url]

    def items(self) -> Iterator[SourceItem]:
        queue = deque(self.state["todo"] or self._start())
        done = set(self.state["done"])
        while queue:
            page = queue.popleft()
            if page in done:
                continue
            doc, immutable = self._get(page)
            members, links = _members_and_links(doc)
            for number, member in enumerate(members, start=1):
                item = member_item(member, f"{page} member {number}")
                if item is not None:
                    yield item
            queue.extend(link for link in links if link not in done and link not in queue)
            if immutable:
                done.add(page)
            # a mutable page (the newest) is read again next time: new members arrive there
            self.state["done"] = sorted(done)
            self.state["todo"] = list(queue) or [page]
