"""OpenRefine against verrijk's reconciliation services: 25 makers and 25 places as a cataloguer's spreadsheet holds
them, reconciled with auto-match on, counted as matched (auto-matched to the right entity), wrong (auto-matched to
another) and missed (left to the user; whether the right one is among the candidates is shown too).

    .venv/bin/python benchmarks/openrefine_check.py               # through OpenRefine when it is installed
    .venv/bin/python benchmarks/openrefine_check.py --via api     # the same queries as OpenRefine sends them
    .venv/bin/python benchmarks/openrefine_check.py --verrijk http://127.0.0.1:8000   # a verrijk already running

OpenRefine: Debian's package (`apt-get install openrefine`, 3.6.2 in bookworm). The script starts it headless on
loopback with a workspace in a temporary folder, creates a project from the table, reconciles each column against
`/reconcile/vkc-creators` (type Person) and `/reconcile/geonames` (type Place) with auto-match, and reads the
judgments OpenRefine stored. `--via api` posts the same batches (10 queries, the column's type, type_strict
"should") to the service and counts a cell matched when its first candidate says `match: true`, OpenRefine's rule.

`--write-places` writes the shipped GeoNames entries the place column reaches (with their namesakes) to
tests/fixtures/openrefine/places.jsonl, which tests/e2e/test_openrefine.py loads instead of all of GeoNames.

Without `--verrijk` it makes a fresh database in a temporary folder (`verrijk init`: the shipped authorities,
a few minutes with GeoNames) and serves it on loopback (`verrijk serve`). Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from openrefine import (
    COLUMNS,
    PLACES_FIXTURE,
    installed,
    judge,
    openrefine,
    process,
    table,
    via_api,
    via_openrefine,
    wait_for,
    warm,
)
from serving import free_port


def write_places(path: Path) -> None:
    """The shipped GeoNames entries the place column's cells reach (each with its namesakes, the same candidates
    the whole authority gives), one JSON object per line: the e2e test's places, loaded in seconds."""
    from verrijk.enrich.text.linking.index import AuthorityIndex
    from verrijk.enrich.text.linking.shipped import geonames_entries

    index = AuthorityIndex("geonames", geonames_entries())
    reached = sorted({m.index for name, _ in COLUMNS["place"][2] for m in index.lookup(name, person=False)})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(index.entries[i].as_dict(), ensure_ascii=False) + "\n" for i in reached))
    print(f"wrote {len(reached)} places to {path}")


@contextmanager
def verrijk(folder: Path) -> Iterator[str]:
    """A fresh verrijk with the shipped authorities, served on loopback."""
    env = os.environ | {
        "VERRIJK_DATA_DIR": str(folder),
        "VERRIJK_DATABASE_URL": f"sqlite:///{folder / 'verrijk.db'}",
        "VERRIJK_SECRET_KEY": "openrefine-check",
    }
    cli = [sys.executable, "-m", "verrijk.cli"]
    subprocess.run([*cli, "init", "--org", "museum"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    with process([*cli, "serve", "--port", str(port)], folder / "verrijk.log", env):
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", 120)
        yield base


def report(column: str, gold: list[tuple[str, str]], outcomes: list[dict]) -> dict[str, int]:
    counts, lines = judge(gold, outcomes)
    print(f"\n{column}")
    for line in lines:
        print(f"  {line}")
    print(f"  {column}: " + ", ".join(f"{k} {v}/{len(gold)}" for k, v in counts.items()))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--via", choices=("openrefine", "api"), default=None, help="default: openrefine if installed")
    parser.add_argument("--verrijk", help="base URL of a running verrijk with the shipped authorities")
    parser.add_argument("--write-places", action="store_true", help=f"write {PLACES_FIXTURE.name} for the e2e test")
    args = parser.parse_args()
    if args.write_places:
        write_places(PLACES_FIXTURE)
        return
    via = args.via or ("openrefine" if installed() else "api")
    if via == "openrefine" and not installed():
        sys.exit("OpenRefine is not installed: apt-get install openrefine (Debian), or --via api")
    with tempfile.TemporaryDirectory(prefix="verrijk-openrefine-") as tmp:
        folder = Path(tmp)
        with contextmanager(lambda: (yield args.verrijk))() if args.verrijk else verrijk(folder) as base:
            services = {column: (f"{base}/reconcile/{name}", kind) for column, (name, kind, _) in COLUMNS.items()}
            for service, _ in services.values():
                warm(service)
            if via == "api":
                outcomes = {
                    column: via_api(service, kind, [n for n, _ in COLUMNS[column][2]])
                    for column, (service, kind) in services.items()
                }
            else:
                with openrefine(folder) as refine:
                    outcomes = via_openrefine(refine, services, table())
        print(f"reconciled through {via}")
        totals = {column: report(column, COLUMNS[column][2], outcomes[column]) for column in COLUMNS}
        print(json.dumps({"via": via, **totals}))


if __name__ == "__main__":
    main()
