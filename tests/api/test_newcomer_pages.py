"""What a newcomer meets on the web pages: a fresh installation that says nothing is reviewed yet, a language switch
that keeps the page as it was."""

from __future__ import annotations

import html
import re

import pytest
from webforms import sign_in


@pytest.mark.parametrize(("language", "said"), [("nl", "Nog geen beslissingen"), ("en", "No decisions yet")])
def test_the_dashboard_says_there_are_no_decisions_yet_instead_of_empty_charts(client, org, language, said):
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    page = client.get("/web/dashboard", headers={"Accept": "text/html", "Accept-Language": language})
    assert page.status_code == 200
    assert page.text.count(said) == 3  # per day, per enricher, calibration
    assert "<svg" not in page.text


def test_switching_language_keeps_the_search_filter_and_page(client, org):
    data = b"source_id,title\nr1,Suikerriet op de plantage\nr2,Riet langs de rivier\n"
    client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("r.csv", data)})
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    page = client.get("/web/collections/c?q=riet&media=image&lang=nl", headers={"Accept": "text/html"})
    switch = html.unescape(re.search(r'href="([^"]*)"[^>]*id="lang-switch"', page.text).group(1))
    assert switch == "?q=riet&media=image&lang=en"
    assert 'lang="en"' in client.get(f"/web/collections/c{switch}", headers={"Accept": "text/html"}).text
