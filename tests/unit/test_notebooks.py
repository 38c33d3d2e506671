"""The notebooks in notebooks/ (jupytext percent-format .py files) run from top to bottom in a kernel of this
Python, as CI runs them, within a bounded time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.py"))
BUDGET_S = 60  # per notebook, kernel start included (about 5-15 s each on 2 idle cores)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(path.parents[1] / "src"), os.environ.get("PYTHONPATH")]))
    )
    notebook = jupytext.read(path)
    started = time.perf_counter()
    NotebookClient(
        notebook, timeout=BUDGET_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    assert time.perf_counter() - started < BUDGET_S
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert outputs and not [o for o in outputs if o.get("output_type") == "error"]


def test_every_notebook_is_paired_percent_format():
    assert {p.stem for p in NOTEBOOKS} == {"ner_evaluation", "linking_errors", "search_quality", "review_analytics"}
    for path in NOTEBOOKS:
        assert "format_name: percent" in path.read_text(encoding="utf-8")
