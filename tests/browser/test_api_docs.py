"""The API documentation in Debian's chromium where no CDN can be reached (as in CI): Swagger UI comes from verrijk
itself and shows the operations (ReDoc's page points at verrijk's own copy too: tests/api/test_newcomer_pages.py)."""

from __future__ import annotations

import pytest
from serving import serving
from test_pages import browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the documentation is the same on either database
def test_swagger_ui_shows_the_api_without_a_cdn(browser, db_url, tmp_path):  # noqa: F811
    with serving(db_url, tmp_path / "srv") as base:
        page = browser.new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        page.goto(f"{base}/docs")
        page.locator(".opblock-summary-path", has_text="/records/{record_id}").first.wait_for(timeout=30_000)
        assert outside == []
