"""The registry of versions trained from decisions: <trained dir>/<model>/versions.json in the format of the
shipped registry (enrich/models.py), each version with its status (active, rejected, superseded, shipped), its
held-out metrics and the current version's metrics on the same decisions, its files in <model>/<version>/."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verrijk.enrich.models import VERSIONS_FILE


def read_versions(trained_dir: Path, name: str) -> dict[str, Any]:
    path = trained_dir / name / VERSIONS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def next_version(trained_dir: Path, name: str) -> str:
    trained = [v for v in read_versions(trained_dir, name).get("versions", []) if v.get("status") != "shipped"]
    return f"{name}-t{len(trained) + 1}"


def version_folder(trained_dir: Path, name: str, version: str) -> Path:
    return trained_dir / name / version


def register(
    trained_dir: Path,
    name: str,
    headline: str,
    candidate: dict[str, Any],
    current: dict[str, Any],
    current_version: str,
) -> dict[str, Any]:
    """Record a candidate whose files are already in its folder: active when its headline metric beats the current
    version's on the same held-out decisions (the current one then superseded), rejected otherwise (its files
    removed, its figures kept). The first registration also records the shipped version it was measured against.
    Returns the candidate's entry."""
    doc = read_versions(trained_dir, name) or {"headline": headline, "active": None, "versions": []}
    versions: list[dict[str, Any]] = doc["versions"]
    known = {v["version"] for v in versions}
    today = datetime.now(UTC).date().isoformat()
    if current_version not in known:
        versions.append(
            {
                "version": current_version,
                "date": today,
                "command": "shipped",
                "data": "measured on the held-out decisions of the first training run",
                "metrics": current["metrics"],
                "status": "shipped",
            }
        )
    better = candidate["metrics"][headline] > current["metrics"][headline]
    entry = {
        **candidate,
        "date": today,
        "status": "active" if better else "rejected",
        "compared_with": {"version": current_version, "metrics": current["metrics"]},
    }
    folder = version_folder(trained_dir, name, candidate["version"])
    if better:
        for v in versions:
            if v["version"] == doc.get("active"):
                v["status"] = "superseded"
        doc["active"] = candidate["version"]
        entry["metrics_file"] = f"{candidate['version']}/metrics.json"
        (folder / "metrics.json").write_text(json.dumps(entry, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    versions.append(entry)
    path = trained_dir / name / VERSIONS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(scratch, path)
    return entry
