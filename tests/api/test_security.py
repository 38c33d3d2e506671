"""Safe under attack: CSRF tokens on the web session, security headers and the pages' CSP, CORS off unless origins
are named, passwords stored as salted scrypt hashes, sign-in throttling, per-key and per-organisation rate limits
with Retry-After, and JSON nested too deep refused before parsing."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from webforms import csrf_token, sign_in

from verrijk.app import create_app
from verrijk.config import Settings
from verrijk.store.accounts import AccountError, create_api_key, set_membership, set_password
from verrijk.store.accounts import sign_in as check_sign_in
from verrijk.store.counters import SharedWindow
from verrijk.store.tables import ApiKey, Organisation

PAGE = {"Accept": "text/html", "Accept-Language": "en"}
PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery staple"
TEMPLATES = Path(__file__).parents[2] / "src" / "verrijk" / "web" / "templates"


def test_a_web_form_needs_the_sessions_csrf_token(client, org, settings, shipped_creators):
    settings.link_authorities = ["vkc-creators"]
    assert client.post("/login", data={"api_key": org.keys["cataloger"]}).status_code == 403
    wrong = client.post("/login", data={"api_key": org.keys["cataloger"], "csrf_token": "forged"})
    assert wrong.status_code == 403 and "CSRF token" in wrong.json()["detail"]
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    token = csrf_token(client, "/web/enrich")
    form = {"text": "Jan Vermeer woonde in Delft", "language": "nl"}
    assert client.post("/web/enrich", data=form, headers=PAGE).status_code == 403
    assert client.post("/web/enrich", data=form | {"csrf_token": token[::-1]}, headers=PAGE).status_code == 403
    done = client.post("/web/enrich", data=form | {"csrf_token": token}, headers=PAGE)
    assert done.status_code == 200 and 'id="detected-language"' in done.text
    assert client.post("/logout", follow_redirects=False).status_code == 403
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and client.get("/", headers=PAGE, follow_redirects=False).status_code == 303


def test_the_pages_scripts_send_the_token_on_api_calls_and_programs_need_none(client, org):
    body = {"decisions": [{"id": 999_999, "status": "accepted"}]}
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    token = csrf_token(client, "/web/review")
    refused = client.post("/review/decisions", json=body)
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert client.post("/review/decisions", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/review/decisions", json=body, headers={"X-CSRF-Token": token}).status_code == 404
    with TestClient(client.app) as program:  # no session cookie: the key alone
        assert program.post("/review/decisions", json=body, headers=org.headers()).status_code == 404
    assert client.get("/review/stats").status_code == 200  # safe methods need no token


def test_the_token_is_renewed_at_sign_in(client, org):
    before = csrf_token(client)
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    after = csrf_token(client, "/")
    assert after != before
    assert client.post("/logout", data={"csrf_token": before}, follow_redirects=False).status_code == 403


def test_every_answer_has_security_headers_and_pages_a_strict_csp(client, org):
    for path, headers in (("/login", PAGE), ("/health", {}), ("/records", org.headers()), ("/nowhere", {})):
        r = client.get(path, headers=headers)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "strict-transport-security" not in r.headers  # served over http
    page = client.get("/login", headers=PAGE).headers["content-security-policy"]
    assert "script-src 'self';" in page and "style-src 'self';" in page and "unsafe-inline" not in page
    assert client.get("/health").headers["content-security-policy"].startswith("default-src 'none'")
    docs = client.get("/docs").headers["content-security-policy"]
    assert "https:" not in docs and "script-src 'self' 'unsafe-inline'" in docs  # the docs' scripts are verrijk's


def test_https_deployments_send_hsts(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, secret_key="x", base_url="https://verrijk.example"))
    with TestClient(app) as c:
        assert c.get("/health").headers["strict-transport-security"].startswith("max-age=31536000")
    app.state.engine.dispose()


def test_cors_is_off_unless_origins_are_named(client, org, tmp_path):
    asked = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in client.get("/records", headers=org.headers() | asked).headers
    app = create_app(Settings(data_dir=tmp_path, secret_key="x", cors_origins=["https://app.example"]))
    with TestClient(app) as c:
        preflight = asked | {"Access-Control-Request-Headers": "X-API-Key"}
        allowed = c.options("/records", headers=preflight)
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://app.example"
        refused = c.options("/records", headers=preflight | {"Origin": "https://elsewhere.example"})
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    app.state.engine.dispose()


def test_passwords_are_stored_as_salted_scrypt_hashes(session, org):
    an, bo = set_password(session, "an", PASSWORD), set_password(session, "bo", PASSWORD)
    for user in (an, bo):
        set_membership(session, user, session.get(Organisation, org.id), "cataloger")
    session.commit()
    scheme, salt, digest = an.password_hash.split("$")
    assert scheme == "scrypt" and len(bytes.fromhex(salt)) == 16 and PASSWORD not in an.password_hash
    assert digest == hashlib.scrypt(PASSWORD.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()
    assert bo.password_hash.split("$")[1] != salt  # a salt per user: the same password, another hash
    assert check_sign_in(session, "an", PASSWORD).username == "an" and check_sign_in(session, "an", "wrong") is None
    with pytest.raises(AccountError, match="at least 10 characters"):
        set_password(session, "an", "too short")


def test_keys_are_256_random_bits_stored_only_as_their_sha256(session, org):
    raw, key = create_api_key(session, session.get(Organisation, org.id), "client", "programme")
    session.commit()
    assert raw.startswith("vk_") and len(base64.urlsafe_b64decode(raw[3:] + "=")) == 32
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and key.prefix == raw[:10]
    stored = session.execute(select(ApiKey.__table__).where(ApiKey.id == key.id)).one()
    assert not any(raw in str(value) for value in stored if value is not None)


def test_the_session_cookie_is_signed_http_only_same_site_and_secure_over_https(client, org, settings, tmp_path):
    assert sign_in(client, api_key=org.keys["client"]).status_code == 303
    cookie = client.cookies.get("verrijk_session")
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    for sent, status in ((cookie, 200), (forged, 401)):  # the same cookie works elsewhere; a changed one does not
        with TestClient(client.app, cookies={"verrijk_session": sent}) as someone:
            assert someone.get("/keys", headers={"Accept": "application/json"}).status_code == status
    https = Settings(
        data_dir=tmp_path / "https", database_url=settings.database_url, base_url="https://verrijk.example"
    )
    secure = create_app(https)
    with TestClient(secure, base_url="https://verrijk.example") as c:
        header = sign_in(c, api_key=org.keys["client"]).headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "secure" in header
    assert (tmp_path / "https" / "secret_key").stat().st_mode & 0o777 == 0o600  # made once, readable by verrijk only
    secure.state.engine.dispose()


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_the_pages_have_no_inline_code_the_csp_would_block(template):
    html = (TEMPLATES / template).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert not re.search(r"<style\b|\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S):
        assert 'name="csrf_token"' in form, "a POST form without the CSRF field"


def test_failed_sign_ins_are_throttled_per_user_name_and_address(client, app, settings, session, org, tmp_path):
    settings.login_max_failures = 3
    app.state.login_failures = SharedWindow(app.state.rate_limiter.counters, "logins", 2.0)
    set_membership(session, set_password(session, "an", PASSWORD), session.get(Organisation, org.id), "cataloger")
    session.commit()
    for _ in range(3):
        assert sign_in(client, username="an", password="wrong").status_code == 401
    throttled = sign_in(client, username="an", password=PASSWORD)
    assert throttled.status_code == 429 and 1 <= int(throttled.headers["retry-after"]) <= 2
    assert "Too many failed sign-ins" in throttled.text or "Te veel" in throttled.text
    with TestClient(app, client=("203.0.113.9", 4000)) as elsewhere:  # the name is throttled from any address
        assert sign_in(elsewhere, username="an", password=PASSWORD).status_code == 429
        assert sign_in(elsewhere, username="bo", password="wrong").status_code == 401
    assert sign_in(client, username="bo", password="x").status_code == 429  # and the address for any name
    time.sleep(2.1)
    assert sign_in(client, username="an", password=PASSWORD).status_code == 303


def test_rate_limits_per_key_and_per_organisation_say_when_to_retry(client, settings, session, org):
    settings.key_requests_per_minute = 3
    for _ in range(3):
        assert client.get("/collections", headers=org.headers("admin")).status_code == 200
    limited = client.get("/collections", headers=org.headers("admin"))
    assert limited.status_code == 429 and limited.headers["content-type"] == PROBLEM
    assert 1 <= int(limited.headers["retry-after"]) <= 60 and "VERRIJK_KEY_REQUESTS_PER_MINUTE" in limited.text
    assert client.get("/collections", headers=org.headers("cataloger")).status_code == 200  # another key
    settings.key_requests_per_minute = 0
    session.get(Organisation, org.id).quota_requests_per_minute = 2
    session.commit()
    for role in ("client", "volunteer"):
        assert client.get("/collections", headers=org.headers(role)).status_code == 200
    quota = client.get("/collections", headers=org.headers("cataloger"))  # the organisation's third this minute
    assert quota.status_code == 429 and "museum-a" in quota.json()["detail"]
    assert 1 <= int(quota.headers["retry-after"]) <= 60


@pytest.mark.parametrize("content_type", ["application/json", "application/ld+json", None])
def test_json_nested_too_deep_is_refused_before_parsing(client, org, content_type):
    headers = org.headers() | ({"Content-Type": content_type} if content_type else {})
    for depth in (33, 100_000):  # Python's json.loads would recurse 100,000 levels
        body = '{"texts": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
        r = client.post("/enrich", content=body, headers=headers)
        assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
        assert "more than 32 levels deep (VERRIJK_MAX_JSON_DEPTH)" in r.json()["detail"]
    at_the_limit = '{"texts": ' + "[" * 31 + "]" * 31 + "}"
    assert client.post("/enrich", content=at_the_limit, headers=headers).status_code == 422  # parsed, then checked
    brackets_in_a_string = {"decisions": [{"id": 999_999, "status": "edited", "label": "[{" * 400}]}
    assert client.post("/review/decisions", json=brackets_in_a_string, headers=org.headers()).status_code == 404
