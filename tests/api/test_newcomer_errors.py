"""What a newcomer is told when a request is wrong: what a value must look like, in words, never a raw regex."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "words"),
    [
        ("get", "/records/1/media/0", {"params": {"region": "abc"}}, "'abc' is not a Media Fragments region: xywh="),
        ("get", "/suggestions", {"params": {"status": "done"}}, "'done' is not one of suggested, accepted"),
        ("get", "/search", {"params": {"query": "   "}}, "is not a text to find"),
        ("post", "/collections", {"json": {"slug": "Bad Slug", "name": "x"}}, "'Bad Slug' is not a slug: up to 100"),
        ("post", "/jobs", {"json": {"kind": "train", "collection": "c"}}, "'train' is not 'enrich'"),
    ],
)
def test_a_value_of_the_wrong_form_is_said_in_words(client, org, method, path, kwargs, words):
    answer = getattr(client, method)(path, headers=org.headers(), **kwargs)
    assert answer.status_code == 422
    problem = answer.json()
    assert words in problem["detail"] and "pattern" not in problem["detail"] and "^" not in problem["detail"]
    assert problem["errors"][0]["where"].split()[0] in ("query", "body")
