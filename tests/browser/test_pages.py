"""The web shell in a real browser (Playwright driving Debian's chromium) against a real uvicorn server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from serving import serving

from verrijk.demo import ingest_demo
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, session_factory
from verrijk.store.repo import Repo, Scope

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def server(db_url, tmp_path):
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "demo", "Demo")
        report = ingest_demo(
            session, Repo(session, Scope(org.id)), "rijksmuseum-suriname", name="Rijksmuseum – Suriname"
        )
        assert report.created == 3668
        key, _ = create_api_key(session, org, "cataloger", "tester")
        session.commit()
    engine.dispose()
    with serving(db_url, tmp_path / "data") as base:
        yield base, key


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_sign_in_browse_search_and_read_a_record_on_a_desktop_and_a_phone(browser, server, request):
    base, key = server
    backend = request.node.callspec.params["db_url"]
    page = browser.new_page(locale="nl-BE")
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")
    shot(page, f"login-{backend}")
    page.get_by_label("API-sleutel", exact=True).fill(key)
    page.get_by_role("button", name="Aanmelden met sleutel").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "nl"
    card = page.locator(".card", has_text="Rijksmuseum – Suriname")
    assert card.locator(".n").inner_text() == "3668"
    shot(page, f"collections-{backend}")

    card.get_by_role("link").click()
    assert page.locator("#total").inner_text() == "3668"
    assert page.locator("ol.records > li").count() == 25
    page.get_by_label("Zoek records").fill("plantage")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=plantage**")
    hits = int(page.locator("#total").inner_text())
    assert 0 < hits < 3668
    shot(page, f"records-{backend}")
    page.get_by_role("link", name="Volgende pagina →").click()
    page.wait_for_url("**cursor=**")

    page.locator("a.record-link").first.click()
    page.wait_for_url("**/web/records/**")
    assert "plantage" in page.locator("main").inner_text().lower()
    assert page.locator("dt", has_text="Vervaardiger").count() == 1
    assert page.locator("dd code").inner_text().startswith(f"{base}/records/")
    shot(page, f"record-{backend}")

    page.locator("#lang-switch").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("dt", has_text="Creator").count() == 1
    assert page.get_by_role("heading", name="Suggestions").count() == 1
    shot(page, f"record-en-{backend}")
    on_a_phone(browser, base, key, backend)  # the same pages, the index already built


def test_public_transparency_page(browser, server, request):
    base, _ = server
    page = browser.new_page(locale="nl-BE")
    page.goto(f"{base}/about/demo")
    assert page.get_by_role("heading", level=1).inner_text() == "Transparantie: Demo"
    section = page.locator("section.enricher", has_text="link.creators")
    assert section.locator("td[data-status=suggested]").inner_text() == "0"
    section.get_by_text("Gemeten kwaliteit").click()
    assert "precision" in section.inner_text()
    shot(page, f"transparency-{request.node.callspec.params['db_url']}")


def test_keyboard_reaches_the_skip_link_first(browser, server):
    base, key = server
    page = browser.new_page()
    page.goto(f"{base}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"


def test_wrong_key_shows_an_error(browser, server):
    base, _ = server
    page = browser.new_page(locale="en-GB")
    page.goto(f"{base}/login")
    page.get_by_label("API key", exact=True).fill("vk_wrong")
    page.get_by_role("button", name="Sign in with key").click()
    assert page.get_by_role("alert").inner_text().startswith("Sign-in failed")


def on_a_phone(browser, base: str, key: str, backend: str) -> None:
    """No page of the demo's main routes is wider than a phone, and a long record title stays readable there."""
    listed = httpx.get(f"{base}/records?limit=100", headers={"X-API-Key": key}).json()["items"]
    longest = max(listed, key=lambda r: len(r["title"] or ""))
    assert len(longest["title"]) > 120  # the demo's titles run to whole sentences
    context = browser.new_context(locale="nl-BE", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("API-sleutel", exact=True).fill(key)
    page.get_by_role("button", name="Aanmelden met sleutel").click()
    page.wait_for_url(f"{base}/")
    for path in ("/", "/web/collections/rijksmuseum-suriname", "/web/collections/rijksmuseum-suriname?q=plantage",
                 f"/web/records/{longest['id']}", "/web/review", "/web/enrich", "/web/dashboard", "/about/demo",
                 "/web/records/999999", "/login"):  # fmt: skip
        page.goto(f"{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{base}/web/records/{longest['id']}")
    shot(page, f"record-phone-{backend}")
    title = page.get_by_role("heading", level=1)
    size = float(title.evaluate("h => getComputedStyle(h).fontSize").removesuffix("px"))
    assert 18 <= size <= 24, size  # the browser's 32 px made a long title fill the screen
    assert title.bounding_box()["height"] <= 844 / 2  # the record's fields start on the first screen
