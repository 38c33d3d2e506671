"""The dashboard's charts in Debian's chromium: decisions per day, acceptance per enricher and a reliability
diagram per enricher, drawn as inline SVG from seeded review decisions, in Dutch and English."""

from __future__ import annotations

import pytest
from seeding import seed, seed_decisions
from serving import serving
from test_pages import browser, shot  # noqa: F401  (the browser fixture)
from test_review_pages import PASSWORD, sign_in

from verrijk.store.accounts import ensure_organisation, set_membership, set_password
from verrijk.store.db import make_engine, session_factory

pytestmark = pytest.mark.browser
CURVES = {"link.places": lambda s: 0.98 if s >= 0.8 else 0.3, "ner": lambda s: s, "link.creators": lambda s: 0.2}


@pytest.fixture
def charted_server(db_url, tmp_path):
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "demo", "Demo")
        seed(session, org, n=1)
        seed_decisions(session, org, CURVES, n=600)  # decided over the last 10 days
        set_membership(session, set_password(session, "an", PASSWORD), org, "cataloger")
        session.commit()
    with serving(db_url, tmp_path / "srv") as base:
        yield base
    engine.dispose()


def test_dashboard_charts(browser, charted_server, request):  # noqa: F811
    base = charted_server
    page = browser.new_page(locale="nl-BE", viewport={"width": 1200, "height": 900})
    sign_in(page, base, "an")
    page.goto(f"{base}/web/dashboard?lang=en")
    assert page.locator('svg[data-chart="per-day"] rect.bar').count() == 10
    assert page.locator('svg[data-chart="per-enricher"] rect.bar').count() == 3
    figures = page.locator("figure.reliability")
    assert figures.count() == 3
    for i in range(3):
        assert figures.nth(i).locator("svg rect.bar").count() == 10  # every score bucket has decisions
        assert figures.nth(i).locator("svg circle").count() == 10
    places = page.locator('figure[data-enricher="link.places"] figcaption')
    assert "Threshold for 0.95 precision: 0.8" in places.inner_text()
    assert "no threshold reaches the target" in page.locator('figure[data-enricher="link.creators"]').inner_text()
    width = page.locator('svg[data-chart="per-enricher"] rect.bar').first.bounding_box()["width"]
    assert width > 0
    shot(page, f"dashboard-charts-{request.node.callspec.params['db_url']}")
    page.goto(f"{base}/web/dashboard?lang=nl")
    assert page.get_by_role("heading", name="Kalibratie van de scores").count() == 1
    assert page.locator('svg[aria-label="Beslissingen per dag"]').count() == 1
    shot(page, f"dashboard-charts-nl-{request.node.callspec.params['db_url']}")
