"""Ingest of every format with real samples, idempotency, and bad input that must not touch stored records."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree as ET

import pytest
from conftest import DEMO_DIR, FIXTURES, snapshot
from sqlalchemy import func, select

from verrijk.config import Settings
from verrijk.ingest.base import IngestError, Mapping
from verrijk.ingest.service import ingest
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Decision, Media, Record, Suggestion

DEMO_CSV = DEMO_DIR / "rijksmuseum_suriname.csv"
DEMO_MAPPING = Mapping.load(DEMO_DIR / "rijksmuseum_suriname.mapping.csv")


def run(session, org, source, data=None, collection="c", **kw):
    repo = Repo(session, Scope(org.id))
    return ingest(session, repo, collection, str(source), data=data, **kw)


def test_demo_collection_ingests_whole_and_reingest_changes_nothing(session, org):
    first = run(session, org, DEMO_CSV, mapping=DEMO_MAPPING)
    assert first.ok and first.read == 3668 and first.created == 3668
    rec = session.scalar(select(Record).where(Record.source_id == "SK-A-1671"))
    assert rec.title.startswith("Cornelis van Aerssen (1637-88)")
    assert rec.creator == ["anoniem"] and rec.date_from == 1680 and rec.type == ["schilderij"]
    assert rec.place == ["Suriname (Zuid-Amerika)"] and rec.subject == ["portret", "overzeese geschiedenis"]
    assert rec.extra["iconclass"] == ["61B2", "44B241"] and rec.uri == "https://id.rijksmuseum.nl/20027399"
    assert rec.language == "nl"
    before = snapshot(session, org.id)
    second = run(session, org, DEMO_CSV, mapping=DEMO_MAPPING)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3668)
    assert snapshot(session, org.id) == before


def test_updated_record_keeps_id_suggestions_and_decisions(session, org, tmp_path):
    rows = ["id;title;creator", "a1;Gezicht op Paramaribo;Benoit, Pierre Jacques", "a2;Plantage Marienburg;anoniem"]
    path = tmp_path / "c.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    mapping = Mapping.parse(b"field,column,separator,default\nsource_id,id,,\ntitle,title,,\ncreator,creator,$,\n", "m")
    run(session, org, path, mapping=mapping)
    rec = session.scalar(select(Record).where(Record.source_id == "a1"))
    sug = Suggestion(
        organisation_id=org.id,
        record_id=rec.id,
        key="k1",
        field="title",
        span_start=12,
        span_end=22,
        kind="link",
        label="Paramaribo",
        authority_uri="https://sws.geonames.org/3383330/",
        score=0.93,
        enricher="link.geonames",
        enricher_version="1",
    )
    session.add(sug)
    session.flush()
    session.add(Decision(organisation_id=org.id, suggestion_id=sug.id, action="accepted"))
    session.commit()
    path.write_text(
        "\n".join([rows[0], "a1;Gezicht op Paramaribo vanaf de rivier;Benoit, Pierre Jacques", rows[2]]),
        encoding="utf-8",
    )
    report = run(session, org, path, mapping=mapping)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    session.expire_all()
    again = session.scalar(select(Record).where(Record.source_id == "a1"))
    assert again.id == rec.id and again.title.endswith("vanaf de rivier")
    assert session.scalar(select(func.count(Suggestion.id)).where(Suggestion.record_id == rec.id)) == 1
    assert session.scalar(select(func.count(Decision.id)).where(Decision.suggestion_id == sug.id)) == 1


def test_jsonl(session, org, tmp_path):
    lines = [
        {
            "source_id": "j1",
            "title": "Portret van een vrouw",
            "creator": ["Anspach, Johan"],
            "date": "1802",
            "rights": "http://creativecommons.org/publicdomain/mark/1.0/",
            "media": ["https://example.org/j1.jpg"],
        },
        {"source_id": "j2", "title": "Kaart van Suriname", "date": "1700-1750", "language": "nl"},
        "not an object",
        {"title": "no id"},
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken", encoding="utf-8")
    report = run(session, org, path)
    assert report.created == 2 and report.rejected_count == 3
    where = {r.location: r for r in report.rejected}
    assert where["r.jsonl:line 3"].message == "is not a JSON object"
    assert where["r.jsonl:line 4"].field == "source_id"
    assert "not valid JSON" in where["r.jsonl:line 5"].message
    j2 = session.scalar(select(Record).where(Record.source_id == "j2"))
    assert (j2.date_from, j2.date_to) == (1700, 1750)
    j1 = session.scalar(select(Record).where(Record.source_id == "j1"))
    assert [m.url for m in j1.media] == ["https://example.org/j1.jpg"]
    assert j1.media[0].rights == "http://creativecommons.org/publicdomain/mark/1.0/"


def test_oai_dc_saved_response(session, org):
    report = run(session, org, FIXTURES / "oai" / "pyoai-fake2-ListRecords.xml")
    assert report.format == "oai-dc"
    assert report.read == 81 and report.deleted == 2 and report.created == 79 and report.ok
    rec = session.scalar(select(Record).where(Record.source_id == "hdl:1765/9"))
    assert rec.creator == ["Jong, G. de", "Nooteboom, B."]
    assert rec.uri == "http://hdl.handle.net/1765/9" and rec.date_from == 2001
    assert rec.extra["oai_sets"] == ["1:1"]


def test_oai_sickle_pages_read_one_by_one(session, org):
    for name in ("ListRecords.xml", "ListRecords2.xml"):
        report = run(session, org, FIXTURES / "oai" / name)
        assert report.deleted == 1 and report.read == 2
    assert len(snapshot(session, org.id)) == 1  # the same live record on both pages, stored once


class _OaiProvider(BaseHTTPRequestHandler):
    """Serves the real DSpace records of pyoai's fixture in pages of 20, chained by resumptionTokens."""

    pages: list[bytes] = []
    requests: list[dict] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        type(self).requests.append(query)
        index = int(query.get("resumptionToken", "page-0").split("-")[1])
        body = type(self).pages[index]
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _paged_responses(size: int = 20) -> list[bytes]:
    ns = "{http://www.openarchives.org/OAI/2.0/}"
    ET.register_namespace("", ns[1:-1])
    records = ET.parse(FIXTURES / "oai" / "pyoai-fake2-ListRecords.xml").getroot().findall(f".//{ns}record")
    chunks = [records[i : i + size] for i in range(0, len(records), size)]
    pages = []
    for i, chunk in enumerate(chunks):
        root = ET.Element(f"{ns}OAI-PMH")
        listing = ET.SubElement(root, f"{ns}ListRecords")
        listing.extend(chunk)
        token = ET.SubElement(listing, f"{ns}resumptionToken", completeListSize=str(len(records)))
        token.text = f"page-{i + 1}" if i + 1 < len(chunks) else None
        pages.append(ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return pages


@pytest.fixture
def oai_server():
    _OaiProvider.pages = _paged_responses()
    _OaiProvider.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OaiProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/oai"
    server.shutdown()


def test_oai_harvest_follows_resumption_tokens(session, org, oai_server):
    loopback = Settings(harvest_allowed_hosts=["127.0.0.1"])  # a test server; refused without (test_harvest_safety)
    report = run(session, org, oai_server, settings=loopback)
    assert report.read == 81 and report.created == 79 and report.deleted == 2 and report.ok
    tokens = [r.get("resumptionToken") for r in _OaiProvider.requests]
    assert tokens == [None, "page-1", "page-2", "page-3", "page-4"]
    assert _OaiProvider.requests[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    again = run(session, org, oai_server, settings=loopback)
    assert again.unchanged == 79 and again.created == 0


def _cookbook(name: str) -> bytes:
    """Fill in the Jekyll placeholders the way the IIIF cookbook site does when it publishes a recipe."""
    folder = name.removesuffix(".json")
    text = (FIXTURES / "iiif" / name).read_text(encoding="utf-8")
    base = f"https://iiif.io/api/cookbook/recipe/{folder}"
    text = text.replace("{{ id.url }}", f"{base}/manifest.json").replace("{{ id.path }}", base)
    return text.encode()


@pytest.mark.parametrize(
    "name,canvases,kind",
    [
        ("0001-mvm-image.json", 1, "image"),
        ("0002-mvm-audio.json", 1, "audio"),
        ("0009-book-1.json", 5, "image"),
        ("0029-metadata-anywhere.json", 2, "image"),
    ],
)
def test_iiif_presentation3_manifests(session, org, name, canvases, kind):
    report = run(session, org, name, data=_cookbook(name))
    assert report.format == "iiif" and report.created == 1 and report.ok, report.as_dict()
    rec = session.scalar(select(Record).where(Record.organisation_id == org.id))
    assert rec.source_id.endswith(f"{name.removesuffix('.json')}/manifest.json")
    assert rec.title
    assert len(rec.media) == canvases and rec.media[0].kind == kind
    if name.startswith("0029"):
        assert rec.creator == ["Glindoni, Henry Gillard, 1852-1913"]
        assert (rec.date_from, rec.date_to) == (1800, 1899)
        assert rec.extra["Reference"] == "Wellcome Library no. 47369i"
        assert rec.media[0].width == 2000


def test_iiif_summary_and_rights(session, org):
    report = run(session, org, "m.json", data=_cookbook("0007-string-formats.json"))
    assert report.ok
    rec = session.scalar(select(Record).where(Record.organisation_id == org.id))
    assert rec.description and rec.rights == "http://creativecommons.org/licenses/by-sa/3.0/"


def test_iiif_presentation2_is_refused_clearly(session, org):
    with pytest.raises(IngestError, match="Presentation 2"):
        run(
            session,
            org,
            "v2.json",
            data=(FIXTURES / "iiif" / "presentation2-0057-publishing-v2-and-v3.json").read_bytes(),
            fmt="iiif",
        )
    assert snapshot(session, org.id) == {}


# --- bad input: a clear error, and the store unchanged apart from the good records -------------------------


@pytest.fixture
def seeded(session, org, tmp_path):
    """A store that already holds two records, to show bad input never touches them."""
    path = tmp_path / "seed.jsonl"
    path.write_text('{"source_id": "s1", "title": "Eerste"}\n{"source_id": "s2", "title": "Tweede"}\n')
    assert run(session, org, path).created == 2
    return snapshot(session, org.id)


def test_malformed_xml_stops_before_storing(session, org, seeded):
    data = (FIXTURES / "oai" / "pyoai-fake1-ListRecords.xml").read_bytes()[:-400]
    with pytest.raises(IngestError, match=r"malformed XML at line \d+, column \d+"):
        run(session, org, "broken.xml", data=data)
    assert snapshot(session, org.id) == seeded


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>&x;</ListRecords></OAI-PMH>',
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><OAI-PMH>&lol3;</OAI-PMH>',
    ],
    ids=["xxe", "billion-laughs"],
)
def test_xml_entities_are_refused(session, org, seeded, payload):
    with pytest.raises(IngestError, match="DTD or entity declaration"):
        run(session, org, "evil.xml", data=payload)
    assert snapshot(session, org.id) == seeded


def test_wrong_encoding_rejects_only_the_damaged_records(session, org, seeded):
    text = "source_id;title\nw1;Gezicht op Paramaribo\nw2;Portret van een Surinaamse vrouw, café\nw3;Kaart\n"
    report = run(session, org, "latin1.csv", data=text.encode("cp1252"))
    assert report.created == 2 and report.rejected_count == 1
    reject = report.rejected[0]
    assert reject.location == "latin1.csv:line 3" and reject.field == "title" and "0xe9" in reject.message
    assert "--encoding" in reject.message
    fixed = run(session, org, "latin1.csv", data=text.encode("cp1252"), encoding="cp1252")
    assert fixed.ok and fixed.created == 1
    assert set(snapshot(session, org.id)) == set(seeded) | {"w1", "w2", "w3"}


def test_missing_mapped_column_stops_before_storing(session, org, seeded):
    with pytest.raises(IngestError, match=r"column\(s\) 'beschrijving', 'titel' that are not in the header"):
        run(
            session,
            org,
            "other.csv",
            data=b"objectnummer;title\nx1;Iets\n",
            mapping=Mapping.parse(
                b"field,column\nsource_id,objectnummer\ntitle,titel\ndescription,beschrijving\n", "m"
            ),
        )
    assert snapshot(session, org.id) == seeded


def test_duplicate_ids_in_one_file(session, org, seeded):
    data = b"source_id,title\nd1,Een\nd2,Twee\nd1,Een opnieuw\n"
    report = run(session, org, "dup.csv", data=data)
    assert report.created == 2 and report.rejected_count == 1
    assert report.rejected[0].location == "dup.csv:line 4" and report.rejected[0].field == "source_id"
    assert "already appeared at dup.csv:line 2" in report.rejected[0].message
    assert session.scalar(select(Record.title).where(Record.source_id == "d1")) == "Een"


def test_invalid_fields_are_named(session, org, seeded):
    data = (
        b"source_id,title,rights,date,language,media\n"
        b"b1,Goed,http://rightsstatements.org/vocab/InC/1.0/,1890,nl,https://x.org/a.jpg\n"
        b"b2,Rechten,all rights reserved,,,\n"
        b"b3,Datum,,onbekend?,,\n"
        b"b4,Taal,,,Nederlands,\n"
        b"b5,Media,,,,ftp://x.org/a.jpg\n"
        b",Geen id,,,,\n"
        b"b7,,,,,\n"
    )
    report = run(session, org, "bad.csv", data=data)
    fields = {r.location.split()[-1]: r.field for r in report.rejected}
    assert report.created == 2  # b1, and b3 whose free-text date is kept as text
    assert fields == {"3": "rights", "5": "language", "6": "media", "7": "source_id", "8": "title"}


def test_dry_run_stores_nothing(session, org, seeded):
    report = run(session, org, DEMO_CSV, mapping=DEMO_MAPPING, dry_run=True)
    assert report.created == 3668 and report.dry_run
    assert snapshot(session, org.id) == seeded


def test_too_many_cells_is_reported(session, org):
    report = run(session, org, "x.csv", data=b"source_id,title\nq1,Een\nq2,Twee,extra\n")
    assert report.created == 1 and report.rejected[0].location == "x.csv:line 3"
    assert "3 cells; the header has 2" in report.rejected[0].message


def test_media_rows_follow_record_update(session, org):
    run(
        session,
        org,
        "m.jsonl",
        data=b'{"source_id": "m1", "title": "A", "media": ["https://x.org/1.jpg", "https://x.org/2.jpg"]}',
    )
    run(session, org, "m.jsonl", data=b'{"source_id": "m1", "title": "A", "media": ["https://x.org/2.jpg"]}')
    assert session.scalars(select(Media.url)).all() == ["https://x.org/2.jpg"]


def test_sniffing(session, org):
    from verrijk.ingest.service import sniff

    assert sniff("a.tsv", b"") == "csv" and sniff("https://x.org/oai", b"") == "oai-dc"
    assert sniff("upload", b'{"@context": "http://iiif.io/api/presentation/3/context.json"}') == "iiif"
    assert sniff("upload", b'{"source_id": 1}') == "jsonl" and sniff("upload", b"<?xml") == "oai-dc"
    assert re.match(r"csv", sniff("upload", b"a,b\n1,2"))
