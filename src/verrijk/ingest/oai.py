"""OAI-PMH Dublin Core input: saved ListRecords/GetRecord responses, or harvesting a base URL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from verrijk import fetch
from verrijk.ingest.base import LANGUAGE, IngestError, SourceItem

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".jp2", ".gif", ".webp")


def parse_xml(data: bytes, name: str) -> Element:
    """Parse untrusted XML: DTDs and entity declarations (XXE, billion laughs) are refused."""
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise IngestError(
            f"{name}: refused XML with a DTD or entity declaration ({type(exc).__name__}): "
            "such documents can read local files or exhaust memory"
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        raise IngestError(
            f"{name}: malformed XML at line {line}, column {column}: {exc.msg if hasattr(exc, 'msg') else exc}"
        ) from exc


def read_oai(data: bytes, name: str) -> Iterator[SourceItem]:
    yield from _records(parse_xml(data, name), name)


def _records(root: Element, name: str) -> Iterator[SourceItem]:
    if root.tag != f"{{{NS['oai']}}}OAI-PMH":
        raise IngestError(f"{name}: not an OAI-PMH response (root element is {root.tag})")
    error = root.find("oai:error", NS)
    if error is not None and error.get("code") != "noRecordsMatch":
        raise IngestError(f"{name}: the OAI-PMH provider answered {error.get('code')}: {(error.text or '').strip()}")
    for number, rec in enumerate(root.iterfind(".//oai:record", NS), start=1):
        header = rec.find("oai:header", NS)
        identifier = (header.findtext("oai:identifier", "", NS) if header is not None else "").strip()
        location = f"{name}:record {number}" + (f" ({identifier})" if identifier else "")
        if header is not None and header.get("status") == "deleted":
            yield SourceItem(location, {"source_id": identifier}, deleted=True)
            continue
        dc = rec.find("oai:metadata/oai_dc:dc", NS)
        if dc is None:
            yield SourceItem(
                location,
                {"source_id": identifier},
                problem=("metadata", "has no oai_dc:dc metadata (harvest with metadataPrefix=oai_dc)"),
            )
            continue
        yield _dc_item(location, identifier, header, dc)


def _dc_item(location: str, identifier: str, header: Element | None, dc: Element) -> SourceItem:
    values: dict[str, list[str]] = {}
    for child in dc:
        tag = child.tag.replace(DC, "").replace(DCTERMS, "")
        text = " ".join("".join(child.itertext()).split())
        if text:
            values.setdefault(tag, []).append(text)
    identifiers = values.get("identifier", [])
    urls = [i for i in identifiers if i.startswith(("http://", "https://"))]
    media = [u for u in urls if u.lower().split("?")[0].endswith(IMAGE_SUFFIXES)]
    pages = [u for u in urls if u not in media]
    rights = [r for r in values.get("rights", []) if r.startswith("http")]
    extra = {
        k: v
        for k, v in values.items()
        if k in ("publisher", "contributor", "format", "relation", "source", "identifier") and v
    }
    if len(values.get("title", [])) > 1:
        extra["title_alternatives"] = values["title"][1:]
    codes = [c.lower().replace("_", "-") for c in values.get("language", [])]
    languages = [c for c in codes if LANGUAGE.match(c)]
    if codes and not languages:
        extra["language_text"] = values["language"]  # free text such as "other" is kept, not filtered on
    if values.get("rights") and not rights:
        extra["rights_text"] = values["rights"]
    if header is not None:
        extra["oai_datestamp"] = header.findtext("oai:datestamp", "", NS)
        sets = [s.text for s in header.findall("oai:setSpec", NS) if s.text]
        if sets:
            extra["oai_sets"] = sets
    fields = {
        "source_id": identifier,
        "uri": pages[0] if pages else None,
        "title": (values.get("title") or [""])[0],
        "description": "\n\n".join(values.get("description", [])),
        "creator": values.get("creator", []),
        "date": (values.get("date") or [""])[0],
        "place": values.get("coverage", []) + values.get("spatial", []),
        "subject": values.get("subject", []),
        "type": values.get("type", []),
        "rights": rights[0] if rights else None,
        "language": languages[0] if languages else None,
        "media": media,
        "extra": extra,
    }
    return SourceItem(location, fields, raw={k: v for k, v in values.items()})


def harvest(
    base_url: str,
    policy: fetch.Policy,
    metadata_prefix: str = "oai_dc",
    set_spec: str | None = None,
    from_date: str | None = None,
    on_page: Callable[[int, str | None], None] | None = None,
) -> Iterator[SourceItem]:
    """Harvest ListRecords from an OAI-PMH endpoint, following resumptionTokens to the end (through verrijk.fetch:
    a private or loopback endpoint only when the policy allows its host)."""
    params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    if set_spec:
        params["set"] = set_spec
    if from_date:
        params["from"] = from_date
    page = 0
    while True:
        page += 1
        data = _get(base_url, params, policy)
        root = parse_xml(data, f"{base_url} page {page}")
        yield from _records(root, f"{base_url} page {page}")
        token_el = root.find("oai:ListRecords/oai:resumptionToken", NS)
        token = (token_el.text or "").strip() if token_el is not None else ""
        if on_page:
            on_page(page, token or None)
        if not token:
            return
        params = {"verb": "ListRecords", "resumptionToken": token}


def _get(url: str, params: dict[str, str], policy: fetch.Policy, attempts: int = 4) -> bytes:
    """A page, retried (with backoff) when the endpoint cannot be reached or answers 503; never a refused host
    or a page over the size cap."""
    for attempt in range(attempts):
        try:
            response = fetch.get(url, policy, params)
        except fetch.FetchError as exc:
            if exc.status in (403, 413) or attempt == attempts - 1:
                raise IngestError(f"cannot harvest OAI-PMH endpoint {url}: {exc}", status=exc.status) from None
            time.sleep(2**attempt)
            continue
        if response.status == 503 and attempt < attempts - 1:
            time.sleep(min(float(response.headers.get("Retry-After", 2**attempt) or 1), 30))
            continue
        if response.status != 200:
            raise IngestError(f"OAI-PMH endpoint {url} answered HTTP {response.status}")
        return response.content
    raise IngestError(f"OAI-PMH endpoint {url} kept answering 503")
