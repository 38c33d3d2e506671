"""The cataloger queue with the keyboard alone, two reviewers at once, the volunteer page on a phone, and the
dashboard, in Debian's chromium against a real server."""

from __future__ import annotations

import pytest
from seeding import seed
from serving import serving
from sqlalchemy import select, update
from test_pages import browser, shot  # noqa: F401  (the browser fixture)

from verrijk.domain import CC0
from verrijk.store.accounts import ensure_organisation, set_membership, set_password
from verrijk.store.db import make_engine, session_factory
from verrijk.store.tables import Collection, Decision, Suggestion

pytestmark = pytest.mark.browser
PASSWORD = "geheim-genoeg-1"


@pytest.fixture
def review_server(db_url, tmp_path):
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "demo", "Demo")
        seed(session, type("O", (), {"id": org.id, "slug": org.slug})(), n=24)
        for name, role in (("an", "cataloger"), ("bert", "cataloger"), ("vera", "volunteer")):
            set_membership(session, set_password(session, name, PASSWORD), org, role)
        session.commit()
    with serving(db_url, tmp_path / "srv") as base:
        yield base, engine
    engine.dispose()


def sign_in(page, base, name):
    page.goto(f"{base}/login?lang=nl")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    page.wait_for_url(f"{base}/")


def test_cataloger_reviews_ten_with_the_keyboard(browser, review_server, request):  # noqa: F811
    base, engine = review_server
    page = browser.new_page(locale="nl-BE")
    sign_in(page, base, "an")
    page.goto(f"{base}/web/review?size=10&order=record")
    items = page.locator(".review-item")
    assert items.count() == 10
    assert page.evaluate("document.activeElement.dataset.id") == items.first.get_attribute("data-id")
    font = "getComputedStyle(document.querySelector('%s')).fontSize"
    assert page.evaluate(font % "select") == page.evaluate(font % "body")  # the order chooser is not a tiny 13px
    shot(page, f"review-{request.node.callspec.params['db_url']}")

    from playwright.sync_api import expect

    def press(key, expect_decided):  # a locator, not wait_for_function: the page's CSP forbids eval
        page.keyboard.press(key)
        expect(page.locator(".review-item.decided")).to_have_count(expect_decided)

    press("A", 1)  # Caps Lock on: "a" arrives as "A" without Shift, and accepts one, not the page
    press("a", 2)
    press("r", 3)
    page.keyboard.press("e")
    page.keyboard.press("Control+a")
    page.keyboard.type("Paramaribo (stad)")
    press("Enter", 4)
    press("a", 5)
    press("r", 6)
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    press("Shift+A", 8)
    page.keyboard.press("j")
    press("a", 9)
    press("a", 10)
    assert page.locator("#announce").inner_text().endswith("Aanvaard")
    shot(page, f"review-done-{request.node.callspec.params['db_url']}")
    with session_factory(engine)() as session:
        statuses = [s for (s,) in session.execute(select(Suggestion.status).where(Suggestion.status != "suggested"))]
        assert sorted(statuses) == sorted(["accepted"] * 7 + ["rejected"] * 2 + ["edited"])
        edited = session.scalar(select(Suggestion).where(Suggestion.status == "edited"))
        assert edited.label == "Paramaribo (stad)"
        assert session.scalar(select(Decision.user_id).limit(1)) is not None


def test_two_reviewers_at_once_never_share_an_item(browser, review_server):  # noqa: F811
    base, _ = review_server
    pages = []
    for name in ("an", "bert"):
        context = browser.new_context(locale="nl-BE")
        page = context.new_page()
        sign_in(page, base, name)
        pages.append(page)
    for page in pages:
        page.goto(f"{base}/web/review?size=12")
    ids = [set(page.locator(".review-item").evaluate_all("els => els.map(e => e.dataset.id)")) for page in pages]
    assert len(ids[0]) == len(ids[1]) == 12 and not ids[0] & ids[1]
    pages[1].goto(f"{base}/web/review?size=12")
    assert pages[1].locator(".review-item").count() == 12  # their own leases again, nothing of the other's
    again = set(pages[1].locator(".review-item").evaluate_all("els => els.map(e => e.dataset.id)"))
    assert again == ids[1]


def test_volunteer_on_a_phone(browser, review_server, request):  # noqa: F811
    base, engine = review_server
    context = browser.new_context(
        locale="nl-BE", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, base, "vera")
    page.goto(f"{base}/web/tasks")
    shot(page, f"tasks-phone-{request.node.callspec.params['db_url']}")
    box = page.get_by_role("button", name="Klopt", exact=True).bounding_box()
    assert box["width"] >= 120 and box["height"] >= 44  # big enough to tap
    for answer in ("Klopt", "Klopt niet", "Klopt"):
        with page.expect_navigation():
            page.get_by_role("button", name=answer, exact=True).tap()
        assert page.get_by_role("status").inner_text().startswith("Bedankt")
    page.get_by_text("Verbeteren").tap()
    page.get_by_label("Label").fill("Paramaribo, Suriname")
    with page.expect_navigation():
        page.get_by_role("button", name="Bewaren").tap()
    assert page.get_by_role("status").inner_text().startswith("Bedankt")
    with session_factory(engine)() as session:
        from verrijk.store.tables import Vote

        assert sorted(v for (v,) in session.execute(select(Vote.verdict))) == ["accept", "accept", "edit", "reject"]
        session.execute(update(Collection).values(metadata_license=CC0))  # a long URL on the collection's card
        session.commit()
        record_id = session.scalar(select(Suggestion.record_id).limit(1))
    for path in ("/", f"/web/records/{record_id}"):  # nothing wider than the phone: URLs break, tables scroll
        page.goto(f"{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_dashboard(browser, review_server, request):  # noqa: F811
    base, _ = review_server
    page = browser.new_page(locale="en-GB")
    sign_in(page, base, "an")
    page.goto(f"{base}/web/dashboard?lang=en")
    assert page.locator("#waiting").inner_text() == "24"
    assert page.get_by_role("cell", name="link.places").count() == 1
    shot(page, f"dashboard-{request.node.callspec.params['db_url']}")
