"""OpenRefine (Debian's package, 3.6.2) driven headless over its own HTTP API against verrijk's reconciliation
services, and the spreadsheet a cataloguer reconciles: 25 makers and 25 places with the entities they mean.

Shared by tests/e2e/test_openrefine.py and benchmarks/openrefine_check.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from serving import free_port

HOME = Path("/usr/share/openrefine")  # where Debian's package puts the `refine` launcher
# GeoNames (CC BY 4.0) entries the place column reaches: `python benchmarks/openrefine_check.py --write-places`
PLACES_FIXTURE = Path(__file__).parent / "fixtures" / "openrefine" / "places.jsonl"
WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/{}/"
PERSON = {"id": "https://schema.org/Person", "name": "Person"}
PLACE = {"id": "https://schema.org/Place", "name": "Place"}

# (as a cataloguer writes it, the entity meant): sorting forms, Dutch and historical spellings, epithets
MAKERS = [
    ("Rubens, Peter Paul", "Q5599"), ("Anthonie van Dijck", "Q150679"), ("Jordaens, Jacob", "Q270658"),
    ("Rogier van der Weijden", "Q68631"), ("Jan van Eyck", "Q102272"), ("Memling, Hans", "Q106851"),
    ("Ensor, James", "Q158840"), ("Pieter Bruegel de Oude", "Q43270"), ("Jan Brueghel de Oude", "Q209050"),
    ("Quinten Massys", "Q314275"), ("Frans Snyders", "Q29231"), ("Dieric Bouts", "Q313561"),
    ("Hieronymus Bosch", "Q130531"), ("Gerard David", "Q333380"), ("Joachim Patinir", "Q442491"),
    ("Khnopff, Fernand", "Q559559"), ("Emile Claus", "Q733002"), ("Rik Wouters", "Q939197"),
    ("Permeke, Constant", "Q381911"), ("Théo van Rysselberghe", "Q671883"), ("Spilliaert, Léon", "Q1394505"),
    ("Félicien Rops", "https://rkd.nl/explore/artists/68170"), ("Adriaen Brouwer", "Q364139"),
    ("Hugo van der Goes", "Q215251"), ("Cornelis de Vos", "Q474934"),
]  # fmt: skip
# Flemish, Dutch, English and French names of places in Belgium and abroad
PLACES = [
    ("Antwerpen", 2803138), ("Gent", 2797656), ("Brugge", 2800931), ("Bruges", 2800931), ("Oostende", 2789786),
    ("Ostend", 2789786), ("Paris", 2988507), ("Berlin", 2950159), ("Vienna", 2761369), ("London", 2643743),
    ("Amsterdam", 2759794), ("Rome", 3169070), ("Madrid", 3117735), ("Dublin", 2964574), ("Lille", 2998324),
    ("Brussels", 2800866), ("Liège", 2792413), ("Mechelen", 2791537), ("Leuven", 2792482), ("Ypres", 2795100),
    ("Den Haag", 2747373), ("New York", 5128581), ("Florence", 3176959), ("Köln", 2886242), ("Praag", 3067696),
]  # fmt: skip
# column -> (authority, type, [(cell, gold uri)])
COLUMNS = {
    "maker": ("vkc-creators", PERSON, [(n, g if ":" in g else WIKIDATA + g) for n, g in MAKERS]),
    "place": ("geonames", PLACE, [(n, GEONAMES.format(g)) for n, g in PLACES]),
}


def installed() -> bool:
    return (HOME / "refine").is_file()


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds:.0f} s")


@contextmanager
def process(args: list[str], log: Path, env: dict[str, str] | None = None, cwd: str | None = None) -> Iterator[None]:
    """A process in its own group (OpenRefine's launcher starts java as a child), ended with the group."""
    with log.open("w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)
    try:
        yield
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


@contextmanager
def openrefine(folder: Path, wait: bool = True) -> Iterator[str]:
    """OpenRefine headless on loopback with a workspace of its own in `folder`; yields its base URL (`wait`
    False: at once, for the caller to start other things meanwhile and call wait_for itself)."""
    port = free_port()
    workspace = folder / "openrefine"
    workspace.mkdir()
    args = ["./refine", "-i", "127.0.0.1", "-p", str(port), "-d", str(workspace), "-m", "1000M"]
    args += ["-x", "refine.headless=true", "run"]
    with process(args, folder / "openrefine.log", cwd=str(HOME)):
        base = f"http://127.0.0.1:{port}"
        if wait:
            wait_for(f"{base}/command/core/get-version", 180)
        yield base


def warm(service: str) -> None:
    """The first query builds the authority's index (GeoNames: tens of seconds): before OpenRefine's timeout."""
    httpx.post(service, data={"queries": json.dumps({"q0": {"query": "Gent"}})}, timeout=600).raise_for_status()


def table() -> str:
    """The spreadsheet: one column per entry of COLUMNS, as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(COLUMNS))
    writer.writerows(zip(*([n for n, _ in gold] for _, _, gold in COLUMNS.values()), strict=True))
    return out.getvalue()


def via_api(service: str, kind: dict[str, str], names: list[str]) -> list[dict]:
    """Each name's OpenRefine outcome from the service itself: batches of 10, the column's type, "should"."""
    outcomes = []
    for start in range(0, len(names), 10):
        batch = {
            f"q{i}": {"query": n, "type": kind["id"], "type_strict": "should"}
            for i, n in enumerate(names[start : start + 10])
        }
        answer = httpx.post(service, data={"queries": json.dumps(batch)}, timeout=120)
        answer.raise_for_status()
        for key in batch:
            result = answer.json()[key]["result"]
            match = result[0] if result and result[0]["match"] else None
            outcomes.append({"match": match, "candidates": result})
    return outcomes


def via_openrefine(refine: str, services: dict[str, tuple[str, dict[str, str]]], csv_text: str) -> dict[str, list]:
    """Each column's outcomes as OpenRefine judged them: create a project, reconcile with auto-match, read rows."""
    client = httpx.Client(base_url=refine, timeout=600)
    token = client.get("/command/core/get-csrf-token").json()["token"]
    options = {"separator": ",", "headerLines": 1, "guessCellValueTypes": False, "encoding": "UTF-8",
               "storeBlankCellsAsNulls": True, "projectName": "verrijk check"}  # fmt: skip
    created = client.post(
        "/command/core/create-project-from-upload",
        params={"csrf_token": token},
        data={"project-name": "verrijk check", "format": "text/line-based/*sv", "options": json.dumps(options)},
        files={"project-file": ("check.csv", csv_text.encode(), "text/csv")},
    )
    project = created.headers["location"].split("project=")[1]
    columns = client.get("/command/core/get-models", params={"project": project}).json()["columnModel"]["columns"]
    cell = {c["name"]: c["cellIndex"] for c in columns}
    for column, (service, kind) in services.items():
        manifest = httpx.get(service, timeout=60).json()
        config = {"mode": "standard-service", "service": service, "identifierSpace": manifest["identifierSpace"],
                  "schemaSpace": manifest["schemaSpace"], "type": kind, "autoMatch": True, "columnDetails": [],
                  "limit": 0}  # fmt: skip
        client.post(
            "/command/core/reconcile",
            params={"project": project, "csrf_token": token},
            data={
                "columnName": column,
                "config": json.dumps(config),
                "engine": json.dumps({"facets": [], "mode": "row-based"}),
            },
        ).raise_for_status()
        while client.get("/command/core/get-processes", params={"project": project}).json()["processes"]:
            time.sleep(0.3)
    answer = client.get("/command/core/get-rows", params={"project": project, "start": 0, "limit": 1000}).json()
    recons = answer.get("pool", {}).get("recons", {})  # cells refer to their recon by id
    outcomes: dict[str, list[dict]] = {}
    for column in services:
        for row in answer["rows"]:
            recon = (row["cells"][cell[column]] or {}).get("r") or {}
            recon = recons.get(recon, {}) if isinstance(recon, str) else recon
            match = recon.get("m") if recon.get("j") == "matched" else None
            outcomes.setdefault(column, []).append({"match": match, "candidates": recon.get("c", [])})
    return outcomes


def judge(gold: list[tuple[str, str]], outcomes: list[dict]) -> tuple[dict[str, int], list[str]]:
    """Counts (matched to the right entity, wrong, missed, missed with the right one listed) and a line per cell."""
    counts = {"matched": 0, "wrong": 0, "missed": 0, "missed, right one listed": 0}
    lines = []
    for (name, uri), outcome in zip(gold, outcomes, strict=True):
        match, candidates = outcome["match"], outcome["candidates"]
        if match:
            verdict = "matched" if match["id"] == uri else "wrong"
        else:
            verdict = "missed"
            if any(c["id"] == uri for c in candidates):
                counts["missed, right one listed"] += 1
        counts[verdict] += 1
        shown = match or (candidates[0] if candidates else None)  # OpenRefine keeps no candidates once it matched
        said = f"{shown['name']} {shown['score']:.0f}" if shown else "no candidates"
        lines.append(f"{verdict:8} {name:28} -> {said}")
    return counts, lines
