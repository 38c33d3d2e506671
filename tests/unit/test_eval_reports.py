"""`verrijk eval search --data … --report DIR` over a small indexed collection: JSON metrics per mode, language
and kind, and the HTML report beside them (both databases)."""

from __future__ import annotations

import json


def test_eval_search_prints_metrics_and_writes_a_report(cli, tmp_path):
    records = tmp_path / "records.jsonl"
    titles = ["Plantage Mariënburg aan de Commewijne", "Gezicht op Paramaribo", "Bauxietmijn bij Moengo"]
    records.write_text("\n".join(json.dumps({"source_id": f"r{i}", "title": t}) for i, t in enumerate(titles)))
    assert cli("ingest", records, "--collection", "c").exit_code == 0
    assert cli("index").exit_code == 0
    queries = tmp_path / "queries.json"
    judged = [
        {"id": "1", "kind": "subject", "lang": "nl", "query": "plantage", "relevant": ["r0"]},
        {"id": "2", "kind": "known-item", "lang": "nl", "query": "mijn Moengo", "relevant": ["r2"]},
    ]
    queries.write_text(json.dumps({"queries": judged}))
    result = cli("eval", "search", "--data", queries, "--mode", "lexical", "--report", tmp_path / "report")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output[: result.output.rindex("}") + 1])
    assert metrics["lexical"]["subject"] == {"ndcg@10": 1.0, "recall@10": 1.0}
    assert set(metrics["lexical"]) == {"all", "nl", "subject", "known-item"}
    assert (tmp_path / "report" / "per-type.png").stat().st_size > 0
    assert cli("eval", "search", "--data", queries, "--mode", "fuzzy").exit_code == 2
