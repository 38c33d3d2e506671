"""The CLI as a user types it: exit codes, one readable error line, and the same store as the API."""

from __future__ import annotations

import json

import pytest
from conftest import DEMO_DIR, FIXTURES

from verrijk.store.accounts import authenticate_key
from verrijk.store.db import make_engine, session_factory


def test_ingest_list_show_and_key(cli, db_url):
    mapping = str(DEMO_DIR / "rijksmuseum_suriname.mapping.csv")
    r = cli("ingest", str(DEMO_DIR / "rijksmuseum_suriname.csv"), "--collection", "suriname", "--mapping", mapping)
    assert r.exit_code == 0 and "stored 3668 new" in r.output
    again = cli("ingest", str(DEMO_DIR / "rijksmuseum_suriname.csv"), "-c", "suriname", "--mapping", mapping, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["unchanged"] == 3668
    listed = cli("records", "list", "--collection", "suriname", "--limit", "3", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["source_id"] for r in rows] == ["SK-A-1671", "SK-A-2630", "SK-A-2634"]
    shown = json.loads(cli("records", "show", str(rows[0]["id"])).stdout)
    assert shown["creator"] == ["anoniem"] and shown["extra"]["iconclass"] == ["61B2", "44B241"]
    key = cli("keys", "create", "--role", "cataloger", "--user", "an").stdout.strip()
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        principal = authenticate_key(session, key)
        assert principal.role == "cataloger" and principal.organisation_slug == "museum"
    engine.dispose()


def test_rejected_records_exit_1_with_summary(cli, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("source_id,title\nx1,Een\nx1,Twee\n,Drie\n")
    r = cli("ingest", str(path), "-c", "x")
    assert r.exit_code == 1
    assert "x.csv:line 3, field 'source_id'" in r.output and "1 new" in r.output and "2 rejected" in r.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["ingest", "FIX/oai/ListRecords.xml", "-c", "x", "--format", "pdf"], "--format 'pdf' is not one of"),
        (["ingest", "/nope/missing.csv", "-c", "x"], "cannot read /nope/missing.csv"),
        (["ingest", "FIX/iiif/presentation2-0057-publishing-v2-and-v3.json", "-c", "x"], "Presentation 2"),
        (["keys", "create", "--role", "boss"], "role 'boss' is not one of"),
        (["records", "show", "9999"], "record 9999 does not exist"),
        (["records", "list", "--org", "elsewhere"], "organisation 'elsewhere' does not exist"),
    ],
)
def test_bad_input_is_one_readable_line_exit_2(cli, args, message):
    r = cli(*[a.replace("FIX", str(FIXTURES)) for a in args])
    assert r.exit_code == 2, r.output
    assert message in r.stderr and r.stderr.count("error:") == 1


def test_dry_run_and_sniffed_formats(cli):
    dry = cli("ingest", str(FIXTURES / "oai" / "pyoai-fake1-ListRecords.xml"), "-c", "oai", "--dry-run", "--json")
    assert json.loads(dry.stdout)["created"] == 16
    assert "0 records" in cli("records", "list").stdout
    real = cli("ingest", str(FIXTURES / "oai" / "pyoai-fake1-ListRecords.xml"), "-c", "oai", "--json")
    assert json.loads(real.stdout)["format"] == "oai-dc" and json.loads(real.stdout)["created"] == 16


def test_several_organisations_need_org(cli):
    assert cli("orgs", "create", "archief", "--quota-records", "10").exit_code == 0
    r = cli("records", "list")
    assert r.exit_code == 2 and "several organisations (archief, museum): pass --org" in r.stderr
    assert cli("records", "list", "--org", "archief").exit_code == 0


def test_one_user_in_two_organisations(cli, db_url, tmp_path):
    assert cli("orgs", "create", "archief").exit_code == 0
    key_museum = cli("keys", "create", "--role", "cataloger", "--user", "an", "--org", "museum").stdout.strip()
    key_archief = cli("keys", "create", "--role", "volunteer", "--user", "an", "--org", "archief").stdout.strip()
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        a, b = authenticate_key(session, key_museum), authenticate_key(session, key_archief)
        assert a.user_id == b.user_id
        assert (a.organisation_slug, a.role) == ("museum", "cataloger")
        assert (b.organisation_slug, b.role) == ("archief", "volunteer")
    engine.dispose()
    (tmp_path / "t.ttl").write_text("")
    r = cli("authority", "add", "eigen", str(tmp_path / "t.ttl"), "--org", "archief")
    assert r.exit_code == 0 and "private" in r.output
    assert cli("authority", "add", "x", str(tmp_path / "missing.ttl"), "--org", "archief").exit_code == 2


def test_keys_list_and_revoke(cli, db_url):
    raw = cli("keys", "create", "--role", "volunteer", "--user", "piet", "--name", "tasks app").stdout.strip()
    table = cli("keys", "list")
    assert table.exit_code == 0 and raw[:10] in table.stdout and "piet" in table.stdout and raw not in table.stdout
    listed = [json.loads(line) for line in cli("keys", "list", "--json").stdout.splitlines()]
    (piet,) = [k for k in listed if k["username"] == "piet"]
    assert raw not in json.dumps(listed) and not any("hash" in field for field in piet)
    assert (piet["prefix"], piet["role"], piet["name"]) == (raw[:10], "volunteer", "tasks app")
    assert piet["revoked_at"] is None
    revoked = cli("keys", "revoke", piet["id"])
    assert revoked.exit_code == 0 and f"API key {piet['id']} ({raw[:10]}…, volunteer, piet) revoked" in revoked.stdout
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        assert authenticate_key(session, raw) is None
    engine.dispose()
    after = [json.loads(line) for line in cli("keys", "list", "--json").stdout.splitlines()]
    assert [k["revoked_at"] is not None for k in after if k["username"] == "piet"] == [True]
    assert cli("orgs", "create", "archief").exit_code == 0
    elsewhere = cli("keys", "revoke", piet["id"], "--org", "archief")
    assert elsewhere.exit_code == 2 and f"API key {piet['id']} does not exist in this organisation" in elsewhere.stderr


def test_service_errors_are_one_line_with_their_exit_code(cli, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('source_id,title,creator\nx1,Een,"Valck, Gerard"\n')
    assert cli("ingest", str(path), "-c", "x").exit_code == 0
    done = cli("enrich", "-c", "x", "-e", "link.creators")
    job_id = int(done.stdout.split()[1])
    assert done.exit_code == 0 and f"job {job_id} done" in done.stdout
    conll = tmp_path / "x.conll"
    conll.write_text("Jan B-PER\nVermeer I-PER\n")
    for args, code, message in [
        (["enrich", "--resume", job_id], 2, f"job {job_id} is already done"),
        (["enrich", "-c", "nope"], 2, "collection 'nope' does not exist in this organisation"),
        (["enrich", "-c", "x", "-e", "no.such-enricher"], 2, "no.such-enricher"),
        (["enrich", "-c", "x", "--skip-enriched", "--engine", "ray"], 2, "--skip-enriched is for --engine local"),
        (["search", "brief", "--qf", "date:[1800 TO 1700]"], 2, "date range '[1800 TO 1700]' ends before it starts"),
        (["eval", "ner", "--data", conll, "--lang", "nl", "--model", "no_such_model"], 3, "no_such_model"),
        (["eval", "ner", "--data", path, "--lang", "nl", "--model", "no_such_model"], 2, "expected 'token ... tag'"),
    ]:
        r = cli(*args)
        assert r.exit_code == code, (args, r.output)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], (args, r.stderr)
        assert "Traceback" not in r.output


def test_enrichers_are_listed_shown_and_configured_per_organisation(cli, tmp_path):
    listed = {
        json.loads(line)["name"]: json.loads(line)
        for line in cli("enrichers", "list", "--json").stdout.split("\n")
        if line
    }
    assert {"ner", "link.creators", "subjects.demo", "subjects.iconclass"} <= set(listed)
    assert listed["ner"]["accepts"] == ["text"] and listed["subjects.demo"]["params"] == {"limit": 5}
    shown = cli("enrichers", "show", "link.creators")
    assert (
        shown.exit_code == 0 and 'authority = "vkc-creators"' in shown.stdout and "VIAF alternate names" in shown.stdout
    )

    assert cli("enrichers", "enable", "subjects.iconclass").exit_code == 0
    assert cli("enrichers", "set", "subjects.iconclass", "limit=3").exit_code == 0
    cfg = json.loads(cli("enrichers", "config").stdout)
    assert "subjects.iconclass" in cfg["enabled"] and cfg["params"] == {"subjects.iconclass": {"limit": 3}}
    assert cfg["source"] == "organisation"

    bad = cli("enrichers", "set", "subjects.iconclass", "limit=0")
    assert bad.exit_code == 2 and "limit" in bad.stderr and bad.stderr.count("error:") == 1
    assert cli("enrichers", "show", "magic").exit_code == 2

    path = tmp_path / "enrichers.toml"
    path.write_text('enabled = ["ner"]\n[params.ner]\nfields = ["title"]\n')
    replaced = json.loads(cli("enrichers", "config", "--file", str(path)).stdout)
    assert replaced == {"enabled": ["ner"], "params": {"ner": {"fields": ["title"]}}, "source": "organisation"}
    assert cli("enrichers", "reset").exit_code == 0
    assert json.loads(cli("enrichers", "config").stdout)["source"] == "deployment"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the same on either database
def test_a_progress_line_with_nothing_to_do_says_so(cli, tmp_path):
    r = cli("index")
    assert r.exit_code == 0, r.output
    assert "embed records: nothing to do" in r.stderr and "0/?" not in r.stderr
    (tmp_path / "a.csv").write_text("title\nA\n")
    failed = cli("ingest", tmp_path / "a.csv", "-c", "x")  # work that failed is not "nothing to do"
    assert failed.exit_code == 2 and "nothing to do" not in failed.stderr and "no column is named" in failed.stderr


def test_a_rerun_with_skip_enriched_enriches_only_what_changed(cli, tmp_path, monkeypatch):
    from verrijk.enrich.text.dates import DateEnricher

    path = tmp_path / "x.csv"
    path.write_text("source_id,title,date\nx1,Een,ca. 1890\nx2,Twee,17de eeuw\nx3,Drie,ca. 1750\n")
    assert cli("ingest", str(path), "-c", "x").exit_code == 0

    def enrich(*extra):
        r = cli("enrich", "-c", "x", "-e", "dates.edtf", "--skip-enriched", *extra)
        assert r.exit_code == 0, r.output
        return r.stdout

    first = enrich()
    assert "3 new suggestions" in first and "skipped" not in first
    assert "0 new suggestions, 3 unchanged records skipped" in enrich()
    path.write_text("source_id,title,date\nx1,Een,ca. 1890\nx2,Twee,18de eeuw\nx3,Drie,ca. 1750\n")
    assert cli("ingest", str(path), "-c", "x").exit_code == 0
    assert "1 new suggestions, 2 unchanged records skipped" in enrich()  # x2 changed
    monkeypatch.setattr(DateEnricher, "version", "dates.edtf-2")
    assert "skipped" not in enrich()  # a new version enriches everything again
    assert "3 unchanged records skipped" in enrich()
    assert cli("enrichers", "set", "dates.edtf", "min_score=0.5").exit_code == 0
    assert "skipped" not in enrich()  # so do other parameters
    assert "skipped" not in cli("enrich", "-c", "x", "-e", "dates.edtf").stdout  # only when asked


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the same on either database
def test_the_demo_says_at_once_when_its_port_is_taken(cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = cli("demo", "--port", port)
    assert r.exit_code == 2 and f"cannot serve on 127.0.0.1:{port}" in r.stderr and "--port" in r.stderr
    assert "ingest" not in r.output  # before minutes of setting up


def test_a_command_before_init_says_to_run_init(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from verrijk.cli import app

    monkeypatch.setenv("VERRIJK_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("VERRIJK_DATABASE_URL", raising=False)
    r = CliRunner().invoke(app, ["records", "list"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert (
        r.stderr.strip() == f"error: the database ({tmp_path}/fresh/verrijk.db) is not set up yet: run `verrijk "
        "init` (or `make demo`) first"
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the same on either database
def test_progress_into_a_pipe_is_plain_lines_at_a_modest_rate(cli, tmp_path):
    (tmp_path / "x.csv").write_text("source_id,title\n" + "".join(f"r{i},Titel {i}\n" for i in range(1200)))
    r = cli("ingest", tmp_path / "x.csv", "-c", "x")  # the runner's stderr is no terminal, as `make demo | tee` has
    assert r.exit_code == 0, r.output
    lines = [line for line in r.stderr.splitlines() if line.startswith("ingest x.csv")]
    assert lines == ["ingest x.csv …", "ingest x.csv 1/1200 (0 %)"] + [
        f"ingest x.csv {120 * i}/1200 ({10 * i} %)" for i in range(1, 11)
    ]
    assert "━" not in r.stderr


def test_progress_of_unknown_size_says_where_it_is_every_few_seconds(capsys, monkeypatch):
    from verrijk.cli import common

    clock = iter(range(0, 1000, 4))  # each update 4 s after the one before
    monkeypatch.setattr(common.time, "monotonic", lambda: next(clock))
    with common.progress_bar() as progress:
        task = progress.add_task("harvest feed", total=None)
        for done in range(1, 11):
            progress.update(task, completed=done * 50)
    said = capsys.readouterr().err.splitlines()
    assert said == ["harvest feed …"] + [f"harvest feed {n}/?" for n in (50, 250, 450, 500)]


def test_a_rerun_of_the_demo_prints_a_new_key_and_revokes_the_one_before(session, org):
    from verrijk.cli.setup import demo_key
    from verrijk.store.accounts import create_api_key, list_api_keys
    from verrijk.store.tables import Organisation

    organisation = session.get(Organisation, org.id)
    own, _ = create_api_key(session, organisation, "cataloger", "demo-cataloger", "my script")  # not the demo's
    printed = [demo_key(session, organisation) for _ in range(3)]  # three runs of `make demo`
    session.commit()
    assert [authenticate_key(session, key) is not None for key in printed] == [False, False, True]
    assert authenticate_key(session, own) is not None and authenticate_key(session, org.keys["cataloger"])
    working = [k for k in list_api_keys(session, org.id) if k.username == "demo-cataloger" and not k.revoked_at]
    assert sorted(k.name for k in working) == ["make demo", "my script"]


def test_every_command_option_and_argument_says_what_it_is_for():
    import typer

    from verrijk.cli import app

    def silent(command, path: str):
        if hasattr(command, "commands"):  # a group
            for name, sub in command.commands.items():
                yield from silent(sub, f"{path} {name}")
            return
        if not (command.help or "").strip():
            yield path
        for param in command.params:
            if param.name != "help" and not (getattr(param, "help", None) or "").strip():
                yield f"{path} {param.name}"

    assert list(silent(typer.main.get_command(app), "verrijk")) == []  # `--help` explains every word a newcomer sees


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the same on either database
def test_lists_in_80_columns_cut_no_name_a_command_takes_back(cli, monkeypatch):
    from verrijk.enrich.registry import REGISTRY

    monkeypatch.setenv("COLUMNS", "80")  # a pipe's width, and many a terminal's
    shown = {what: cli(*what.split()).stdout for what in ("enrichers list", "models list", "authority list")}
    assert not [what for what, text in shown.items() if "…" in text]
    cells = {what: {cell.strip() for cell in text.split("│")} for what, text in shown.items()}
    assert set(REGISTRY.specs()) <= cells["enrichers list"]  # each whole on its line, as `enrichers show` takes it
    assert {"ner", "linking", "subjects", "link.creators"} <= cells["models list"]
    assert "vkc-creators" in cells["authority list"]
