"""The API documentation in Debian's chromium where no CDN can be reached (as in CI): Swagger UI and ReDoc come
from verrijk itself and show the operations."""

from __future__ import annotations

import pytest
from serving import serving
from test_pages import browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the documentation is the same on either database
def test_swagger_ui_and_redoc_show_the_api_without_a_cdn(browser, db_url, tmp_path):  # noqa: F811
    with serving(db_url, tmp_path / "srv") as base:
        page = browser.new_page()
        outside = []
        page.on(  # ReDoc's footer logo may come from its site; the scripts and styles must not
            "request",
            lambda r: (
                outside.append(r.url)
                if r.resource_type in ("script", "stylesheet") and not r.url.startswith((base, "blob:"))
                else None
            ),
        )
        page.goto(f"{base}/docs")
        page.locator(".opblock").first.wait_for(timeout=30_000)
        assert page.locator(".opblock-summary-path", has_text="/records/{record_id}").count() >= 1
        page.goto(f"{base}/redoc")
        page.get_by_text("/enrich/media").first.wait_for(timeout=30_000)
        assert outside == []
