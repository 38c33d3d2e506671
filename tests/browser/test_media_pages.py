"""Media in the people-facing pages, in Debian's chromium against a real server: the review page draws an OCR
line's region where its selector says and plays a transcript's time span, the keyboard still decides, and a
volunteer corrects an OCR line from its crop. One test, so the server starts once per database."""

from __future__ import annotations

import json
import time

import pytest
from media_records import SPAN, media_records
from serving import serving
from sqlalchemy import select, update
from test_pages import browser, shot  # noqa: F401  (the browser fixture)
from test_review_pages import PASSWORD, sign_in

from verrijk.store.accounts import ensure_organisation, set_membership, set_password
from verrijk.store.db import make_engine, session_factory
from verrijk.store.tables import Suggestion, Vote

pytestmark = pytest.mark.browser


@pytest.fixture
def media_server(db_url, tmp_path):
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "demo", "Demo")
        made = media_records(session, type("O", (), {"id": org.id, "slug": org.slug})(), tmp_path / "media")
        for name, role in (("an", "cataloger"), ("vera", "volunteer")):
            set_membership(session, set_password(session, name, PASSWORD), org, role)
        session.commit()
    with serving(db_url, tmp_path / "srv", VERRIJK_MEDIA_DIRS=json.dumps([str(tmp_path / "media")])) as base:
        yield base, engine, made
    engine.dispose()


def until(check, seconds: float = 10.0):
    """Poll a page value from Python (the pages' CSP forbids the eval behind wait_for_function)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_review_draws_regions_and_plays_spans_and_volunteers_correct_lines(browser, media_server, request):  # noqa: F811
    base, engine, made = media_server
    page = browser.new_page(locale="nl-BE", viewport={"width": 1200, "height": 1400})
    sign_in(page, base, "an")
    page.goto(f"{base}/web/review?size=10&order=record")
    items = page.locator(".review-item")
    assert items.count() == 3
    image = items.nth(0).locator(".media-frame img")
    assert until(lambda: image.evaluate("i => i.complete && i.naturalWidth > 0"))
    width, height = made["size"]
    x, y, w, h = made["box"]
    shown, region = image.bounding_box(), items.nth(0).locator("svg.region rect").bounding_box()
    assert shown["width"] > 300  # drawn large enough to read
    # the box sits where xywh says, in the image as the page scaled it, its 3 px outline centred on the edge
    scale, half = shown["width"] / width, 1.5
    assert abs(shown["height"] - height * scale) < 1
    assert abs(region["x"] + half - shown["x"] - x * scale) < 1 and abs(region["y"] + half - shown["y"] - y * scale) < 1
    assert abs(region["width"] - 2 * half - w * scale) < 1 and abs(region["height"] - 2 * half - h * scale) < 1
    assert items.nth(0).locator("figcaption code").inner_text() == f"xywh={x},{y},{w},{h}"

    audio = items.nth(2).locator("audio")
    assert audio.get_attribute("src").endswith(f"#t={SPAN[0]:g},{SPAN[1]:g}")
    figure = items.nth(2).locator(".span-player")
    assert (float(figure.get_attribute("data-start")), float(figure.get_attribute("data-end"))) == SPAN
    assert until(lambda: audio.evaluate("a => a.readyState >= 1 && Math.abs(a.currentTime - 1) < 0.05"))
    shot(page, f"review-media-{request.node.callspec.params['db_url']}")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("p")  # plays the span and stops at its end
    assert until(lambda: audio.evaluate("a => a.paused && a.currentTime >= 2.2 && a.currentTime < 2.6"), 15)
    page.keyboard.press("a")  # the keyboard still decides
    from playwright.sync_api import expect

    expect(page.locator(".review-item.decided")).to_have_count(1)
    with session_factory(engine)() as session:
        spoken = session.scalar(select(Suggestion).where(Suggestion.time_start.is_not(None)))
        assert spoken.status == "accepted"

    # a volunteer corrects an OCR line from its crop (the same server: one start per database)
    page = browser.new_context(locale="en-GB").new_page()
    sign_in(page, base, "vera")
    page.goto(f"{base}/web/tasks?kind=transcript&lang=en")
    crop = page.locator("img.crop")
    assert until(lambda: crop.evaluate("i => i.complete && i.naturalWidth > 0"))
    natural = crop.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    _, _, w, h = made["box"]
    assert abs(natural[0] / natural[1] - w / h) < 0.1  # the line's crop, not the whole caption
    shot(page, f"task-ocr-line-{request.node.callspec.params['db_url']}")
    machine = page.get_by_role("textbox", name="Text").input_value()
    page.get_by_role("textbox", name="Text").fill(machine + " (1905)")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the correction").click()
    assert page.get_by_role("status").inner_text().startswith("Thank")
    assert "kind=transcript" in page.url
    with session_factory(engine)() as session:
        vote = session.scalar(select(Vote))
        assert (vote.verdict, vote.label) == ("edit", machine + " (1905)")


def test_a_record_page_shows_its_media_served_and_in_the_language_chosen_at_sign_in(browser, media_server):  # noqa: F811
    base, engine, made = media_server
    with session_factory(engine)() as session:  # as long as the ner enricher's versions get, without a space
        session.execute(
            update(Suggestion).values(enricher_version=";".join(f"nl=spacy:nl_model_{i}@1.0" for i in range(9)))
        )
        session.commit()
    page = browser.new_context(locale="en-GB").new_page()  # the browser says English; the reader picks Dutch
    troubles = []
    page.on("console", lambda m: troubles.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: troubles.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, base, "an")  # on /login?lang=nl
    assert page.locator("html").get_attribute("lang") == "nl"
    page.goto(f"{base}/web/collections/beelden")
    page.get_by_role("link", name="Kaartje met opschrift").click()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert "file:" not in page.content()  # the server's own paths stay on the server
    link = page.locator("ul.media a").last
    assert link.inner_text() == "caption.png" and link.get_attribute("href").endswith("/media/0")
    assert page.locator("ul.media .meta").inner_text() == "Afbeelding"
    statuses = page.locator("table.suggestions tbody td:last-child").all_inner_texts()
    assert statuses and set(statuses) == {"Voorgesteld (nog niet beoordeeld)"}
    assert troubles == []  # no missing icon, no failed request
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than the window
    with page.expect_response(lambda r: r.url.endswith("/media/0")) as served:
        link.click()
    assert served.value.status == 200 and served.value.headers["content-type"].startswith("image/")
    page.wait_for_load_state()
    assert troubles == []  # the image opened on its own: no policy violation in the browser's viewer
    page.go_back()
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url(f"{base}/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelden"

    phone = browser.new_context(locale="nl-BE", viewport={"width": 390, "height": 844}).new_page()
    sign_in(phone, base, "vera")
    phone.goto(f"{base}/web/tasks?kind=transcript")
    answers = phone.locator(".task-answers button")
    assert answers.count() == 3
    for i in range(3):  # each answer readable in at most two lines, none squeezed into a sliver
        box = answers.nth(i).bounding_box()
        assert box["width"] >= 140 and box["height"] <= 90, (answers.nth(i).inner_text(), box)
