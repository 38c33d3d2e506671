"""An OAI-PMH 2.0 provider per organisation: its published collections as oai_dc and EDM, with resumptionTokens."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from verrijk.export.published import Published, publish
from verrijk.store.repo import Repo
from verrijk.store.tables import Record

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "edm": "http://www.europeana.eu/schemas/edm/",
    "ore": "http://www.openarchives.org/ore/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
for _prefix, _uri in NS.items():
    register_namespace("" if _prefix == "oai" else _prefix, _uri)

FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", NS["oai_dc"]),
    "edm": ("http://www.europeana.eu/schemas/edm/EDM.xsd", NS["edm"]),
}
EDM_TYPES = {"image": "IMAGE", "audio": "SOUND", "video": "VIDEO"}
PAGE_SIZE = 100


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(value: str, name: str) -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise OaiError("badArgument", f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, not {value!r}")


class Provider:
    def __init__(self, repo: Repo, base_url: str, endpoint: str):
        self.repo, self.base_url, self.endpoint = repo, base_url, endpoint
        self.org = repo.organisation()
        self.prefix = f"oai:verrijk:{self.org.slug}:"

    def respond(self, args: dict[str, str]) -> bytes:
        root = Element(q("oai", "OAI-PMH"))
        root.set(q("xsi", "schemaLocation"), f"{NS['oai']} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        SubElement(root, q("oai", "responseDate")).text = stamp(datetime.now(UTC))
        request = SubElement(root, q("oai", "request"))
        request.text = self.endpoint
        verb = args.get("verb", "")
        handlers: dict[str, Callable[[Element, dict[str, str]], None]] = {
            "Identify": self.identify,
            "ListMetadataFormats": self.list_formats,
            "ListSets": self.list_sets,
            "ListIdentifiers": self.list_identifiers,
            "ListRecords": self.list_records,
            "GetRecord": self.get_record,
        }
        try:
            if verb not in handlers:
                raise OaiError("badVerb", f"verb {verb!r} is not one of {', '.join(handlers)}")
            for key, value in args.items():
                request.set(key, value)
            handlers[verb](root, args)
        except OaiError as exc:
            error = SubElement(root, q("oai", "error"), code=exc.code)
            error.text = str(exc)
        return tostring(root, encoding="utf-8", xml_declaration=True)

    @staticmethod
    def _allowed(args: dict[str, str], allowed: set[str], required: set[str] = frozenset()) -> None:
        extra = set(args) - allowed - {"verb"}
        if extra:
            raise OaiError("badArgument", f"unexpected argument(s): {', '.join(sorted(extra))}")
        missing = required - set(args)
        if missing:
            raise OaiError("badArgument", f"missing argument(s): {', '.join(sorted(missing))}")

    def identify(self, root: Element, args: dict[str, str]) -> None:
        self._allowed(args, set())
        node = SubElement(root, q("oai", "Identify"))
        records, _ = self.repo.public_records(limit=1)
        earliest = min((r.updated_at for r in records), default=self.org.created_at)
        for name, value in (
            ("repositoryName", f"{self.org.name} (verrijk)"),
            ("baseURL", self.endpoint),
            ("protocolVersion", "2.0"),
            ("adminEmail", (self.org.settings or {}).get("contact_email", "admin@example.org")),
            ("earliestDatestamp", stamp(earliest)),
            ("deletedRecord", "no"),
            ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ):
            SubElement(node, q("oai", name)).text = value

    def list_formats(self, root: Element, args: dict[str, str]) -> None:
        self._allowed(args, {"identifier"})
        if "identifier" in args:
            self._record(args["identifier"])
        node = SubElement(root, q("oai", "ListMetadataFormats"))
        for prefix, (schema, namespace) in FORMATS.items():
            fmt = SubElement(node, q("oai", "metadataFormat"))
            SubElement(fmt, q("oai", "metadataPrefix")).text = prefix
            SubElement(fmt, q("oai", "schema")).text = schema
            SubElement(fmt, q("oai", "metadataNamespace")).text = namespace

    def list_sets(self, root: Element, args: dict[str, str]) -> None:
        self._allowed(args, {"resumptionToken"})
        if "resumptionToken" in args:
            raise OaiError("badResumptionToken", "ListSets is never paged")
        collections = self.repo.public_collections()
        if not collections:
            raise OaiError("noSetHierarchy", "this organisation publishes no collections")
        node = SubElement(root, q("oai", "ListSets"))
        for c in collections:
            s = SubElement(node, q("oai", "set"))
            SubElement(s, q("oai", "setSpec")).text = c.slug
            SubElement(s, q("oai", "setName")).text = c.name

    def _page(self, args: dict[str, str]) -> tuple[dict, list[Record], int]:
        if "resumptionToken" in args:
            self._allowed(args, {"resumptionToken"})
            state = self._decode(args["resumptionToken"])
        else:
            self._allowed(args, {"metadataPrefix", "from", "until", "set"}, {"metadataPrefix"})
            state = {
                "prefix": args["metadataPrefix"],
                "set": args.get("set"),
                "from": args.get("from"),
                "until": args.get("until"),
                "after": 0,
                "cursor": 0,
            }
        if state["prefix"] not in FORMATS:
            raise OaiError(
                "cannotDisseminateFormat", f"metadataPrefix {state['prefix']!r} is not one of {', '.join(FORMATS)}"
            )
        if state["set"] and state["set"] not in {c.slug for c in self.repo.public_collections()}:
            raise OaiError("noRecordsMatch", f"set {state['set']!r} is not published here")
        since = parse_stamp(state["from"], "from") if state["from"] else None
        until = parse_stamp(state["until"], "until") if state["until"] else None
        if until and len(state["until"]) == 10:
            until = until.replace(hour=23, minute=59, second=59)
        records, total = self.repo.public_records(state["set"], since, until, state["after"], PAGE_SIZE)
        if not records:
            raise OaiError("noRecordsMatch", "no records match these arguments")
        return state, records, total

    def _token(self, parent: Element, state: dict, records: list[Record], total: int) -> None:
        shown = state["cursor"] + len(records)
        token = SubElement(
            parent, q("oai", "resumptionToken"), completeListSize=str(total), cursor=str(state["cursor"])
        )
        if shown < total:
            token.text = self._encode(state | {"after": records[-1].id, "cursor": shown})

    @staticmethod
    def _encode(state: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()

    @staticmethod
    def _decode(token: str) -> dict:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode()))
            assert {"prefix", "set", "from", "until", "after", "cursor"} <= set(state)
            return state
        except Exception as exc:  # any damage to the opaque token
            raise OaiError("badResumptionToken", "this resumptionToken was not issued here") from exc

    def list_identifiers(self, root: Element, args: dict[str, str]) -> None:
        state, records, total = self._page(args)
        node = SubElement(root, q("oai", "ListIdentifiers"))
        for r in records:
            self._header(node, r)
        self._token(node, state, records, total)

    def list_records(self, root: Element, args: dict[str, str]) -> None:
        state, records, total = self._page(args)
        node = SubElement(root, q("oai", "ListRecords"))
        accepted = self.repo.accepted([r.id for r in records])
        for r in records:
            self._full(node, r, state["prefix"], accepted.get(r.id, []))
        self._token(node, state, records, total)

    def get_record(self, root: Element, args: dict[str, str]) -> None:
        self._allowed(args, {"identifier", "metadataPrefix"}, {"identifier", "metadataPrefix"})
        if args["metadataPrefix"] not in FORMATS:
            raise OaiError("cannotDisseminateFormat", f"metadataPrefix {args['metadataPrefix']!r} is not offered")
        record = self._record(args["identifier"])
        node = SubElement(root, q("oai", "GetRecord"))
        self._full(node, record, args["metadataPrefix"], self.repo.accepted([record.id]).get(record.id, []))

    def _record(self, identifier: str) -> Record:
        number = identifier.removeprefix(self.prefix)
        if identifier == number or not number.isdigit():
            raise OaiError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository")
        records, _ = self.repo.public_records(after_id=int(number) - 1, limit=1)
        if not records or records[0].id != int(number):
            raise OaiError("idDoesNotExist", f"{identifier!r} does not exist here")
        return records[0]

    def _header(self, parent: Element, record: Record) -> None:
        header = SubElement(parent, q("oai", "header"))
        SubElement(header, q("oai", "identifier")).text = f"{self.prefix}{record.id}"
        SubElement(header, q("oai", "datestamp")).text = stamp(record.updated_at)
        slugs = {c.id: c.slug for c in self.repo.public_collections()}
        SubElement(header, q("oai", "setSpec")).text = slugs[record.collection_id]

    def _full(self, parent: Element, record: Record, prefix: str, accepted: list) -> None:
        node = SubElement(parent, q("oai", "record"))
        self._header(node, record)
        metadata = SubElement(node, q("oai", "metadata"))
        collection = next(c for c in self.repo.public_collections() if c.id == record.collection_id)
        published = publish(record, collection, self.org, accepted, self.base_url)
        (oai_dc if prefix == "oai_dc" else edm)(metadata, published)


def _text(parent: Element, tag: str, value: str | None, lang: str | None = None) -> None:
    if value:
        el = SubElement(parent, tag)
        el.text = value
        if lang:
            el.set("{http://www.w3.org/XML/1998/namespace}lang", lang)


def oai_dc(parent: Element, p: Published) -> None:
    r = p.record
    dc = SubElement(parent, q("oai_dc", "dc"))
    dc.set(q("xsi", "schemaLocation"), f"{NS['oai_dc']} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    _text(dc, q("dc", "title"), r.title, r.language)
    _text(dc, q("dc", "description"), r.description, r.language)
    for value in r.creator:
        _text(dc, q("dc", "creator"), value)
    for link in p.agents:
        _text(dc, q("dc", "creator"), link.uri)
    _text(dc, q("dc", "date"), r.date)
    for value in r.place + [link.uri for link in p.places]:
        _text(dc, q("dc", "coverage"), value)
    for value in r.subject + [link.uri for link in p.concepts] + [t.label for t in p.tags]:
        _text(dc, q("dc", "subject"), value)
    for value in r.type:
        _text(dc, q("dc", "type"), value)
    _text(dc, q("dc", "rights"), r.rights)
    _text(dc, q("dc", "language"), r.language)
    _text(dc, q("dc", "identifier"), p.uri)
    _text(dc, q("dc", "identifier"), r.uri)
    _text(dc, q("dc", "publisher"), p.organisation.name)


def edm(parent: Element, p: Published) -> None:
    """EDM as Europeana harvests it: ProvidedCHO, Aggregation, WebResources, contextual entities."""
    r = p.record
    rdf = SubElement(parent, q("rdf", "RDF"))
    cho = SubElement(rdf, q("edm", "ProvidedCHO"), {q("rdf", "about"): p.uri})
    _text(cho, q("dc", "title"), r.title, r.language)
    _text(cho, q("dc", "description"), r.description, r.language)
    for value in r.creator:
        _text(cho, q("dc", "creator"), value)
    for link in p.agents:
        SubElement(cho, q("dc", "creator"), {q("rdf", "resource"): link.uri})
    _text(cho, q("dc", "date"), r.date)
    for value in r.place:
        _text(cho, q("dcterms", "spatial"), value)
    for link in p.places:
        SubElement(cho, q("dcterms", "spatial"), {q("rdf", "resource"): link.uri})
    for value in r.subject + [t.label for t in p.tags]:
        _text(cho, q("dc", "subject"), value)
    for link in p.concepts:
        SubElement(cho, q("dc", "subject"), {q("rdf", "resource"): link.uri})
    for value in r.type:
        _text(cho, q("dc", "type"), value, r.language)
    _text(cho, q("dc", "identifier"), r.source_id)
    _text(cho, q("dc", "language"), r.language)
    _text(cho, q("edm", "type"), EDM_TYPES.get(r.media[0].kind, "IMAGE") if r.media else "IMAGE")
    aggregation = SubElement(rdf, q("ore", "Aggregation"), {q("rdf", "about"): f"{p.uri}#aggregation"})
    SubElement(aggregation, q("edm", "aggregatedCHO"), {q("rdf", "resource"): p.uri})
    _text(aggregation, q("edm", "dataProvider"), p.organisation.name)
    _text(aggregation, q("edm", "provider"), p.organisation.name)
    if r.uri:
        SubElement(aggregation, q("edm", "isShownAt"), {q("rdf", "resource"): r.uri})
    if r.media:
        SubElement(aggregation, q("edm", "isShownBy"), {q("rdf", "resource"): r.media[0].url})
    if r.rights:
        SubElement(aggregation, q("edm", "rights"), {q("rdf", "resource"): r.rights})
    for medium in r.media:
        web = SubElement(rdf, q("edm", "WebResource"), {q("rdf", "about"): medium.url})
        if medium.rights:
            SubElement(web, q("edm", "rights"), {q("rdf", "resource"): medium.rights})
    for cls, links in (("Agent", p.agents), ("Place", p.places)):
        for link in links:
            entity = SubElement(rdf, q("edm", cls), {q("rdf", "about"): link.uri})
            _text(entity, q("skos", "prefLabel"), link.label)
    for link in p.concepts:
        concept = SubElement(rdf, q("skos", "Concept"), {q("rdf", "about"): link.uri})
        _text(concept, q("skos", "prefLabel"), link.label)
