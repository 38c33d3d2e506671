"""Trying the text pipeline in the browser: paste a text, see its language, marked entities and their links."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES
from serving import serving
from test_pages import CHROMIUM, browser, shot  # noqa: F401  (the browser fixture)

from verrijk.enrich.text.linking.loaders import load
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, session_factory
from verrijk.store.repo import Repo, Scope

pytestmark = pytest.mark.browser
AUTHORITY = FIXTURES / "authorities" / "enrich_places_people.csv"


@pytest.fixture
def server(db_url, tmp_path):
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "musea", "Musea")
        Repo(session, Scope(org.id)).load_authority("names", load(AUTHORITY), "v1", "csv", "Names", str(AUTHORITY))
        key, _ = create_api_key(session, org, "cataloger", "tester")
        session.commit()
    engine.dispose()
    with serving(db_url, tmp_path / "data", VERRIJK_LINK_AUTHORITIES=json.dumps(["names"])) as base:
        yield base, key


def test_paste_a_text_and_see_linked_entities(browser, server, request):  # noqa: F811
    base, key = server
    page = browser.new_page(locale="nl-BE")
    page.goto(f"{base}/login")
    page.get_by_label("API-sleutel", exact=True).fill(key)
    page.get_by_role("button", name="Aanmelden met sleutel").click()
    page.get_by_role("link", name="Tekst verrijken").click()
    page.wait_for_url(f"{base}/web/enrich")

    page.get_by_role("button", name="Verrijken").click()  # nothing typed: the browser's own check stops it
    assert page.url == f"{base}/web/enrich"

    page.get_by_label("Tekst").fill("Victor Hugo photographié à Besançon, devant la maison de sa naissance.")
    page.get_by_role("button", name="Verrijken").click()
    assert page.locator("#detected-language").inner_text() == "fr"
    rows = page.locator("#entities tbody tr")
    linked = {rows.nth(i).locator("td").nth(0).inner_text(): rows.nth(i) for i in range(rows.count())}
    assert linked["Victor Hugo"].get_by_role("link", name="Victor Hugo").get_attribute("href") == (
        "http://www.wikidata.org/entity/Q535"
    )
    assert "names" in linked["Besançon"].inner_text()
    mark = page.locator("mark.entity.per", has_text="Victor Hugo")
    assert "Victor Hugo" in mark.get_attribute("title")
    shot(page, f"enrich-{request.node.callspec.params['db_url']}")

    page.locator("#lang-switch").click()
    assert page.get_by_role("heading", name="Enrich a text").count() == 1
