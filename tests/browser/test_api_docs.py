"""The API documentation in Debian's chromium where no CDN can be reached (as in CI): Swagger UI comes from verrijk
itself and shows the operations, and "Authorize" takes an API key that "Try it out" then sends (ReDoc's page points
at verrijk's own copy too: tests/api/test_newcomer_pages.py)."""

from __future__ import annotations

import pytest
from serving import serving
from test_pages import browser  # noqa: F401  (the browser fixture)

from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, session_factory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the documentation is the same on either database
def test_swagger_ui_shows_the_api_without_a_cdn(browser, db_url, tmp_path):  # noqa: F811
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        key, _ = create_api_key(session, ensure_organisation(session, "demo", "Demo"), "cataloger", "tester")
        session.commit()
    engine.dispose()
    with serving(db_url, tmp_path / "srv") as base:
        page = browser.new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        page.goto(f"{base}/docs")
        page.locator(".opblock-summary-path", has_text="/records/{record_id}").first.wait_for(timeout=30_000)
        assert outside == []
        page.get_by_role("button", name="Authorize").first.click()
        page.locator(".modal-ux input").fill(key)
        page.locator(".modal-ux button.authorize").click()
        page.locator(".modal-ux button.btn-done").click()
        operation = page.locator("#operations-collections-list_collections_collections_get")
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        operation.get_by_role("button", name="Execute").click()
        status = operation.locator(".live-responses-table tbody .response-col_status").first
        status.wait_for(timeout=30_000)
        assert status.inner_text().strip() == "200"
