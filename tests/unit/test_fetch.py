"""The safe fetch checks the socket it really connected to, on real sockets: a name whose DNS answer turns from a
public address (when checked) to loopback (when connected: DNS rebinding) is refused before a byte reaches the
server, while a host the deployment allows by name is read; a host that never answers fails after the media or
harvest timeout, and a gzip bomb stops at the size cap."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from verrijk import fetch

PUBLIC = "93.184.215.14"  # a global address: what the name resolves to when verrijk checks it


class Local(BaseHTTPRequestHandler):
    seen: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def rebinding(monkeypatch):
    """A loopback HTTP server and a resolver whose answers for rebind.test the test sets: one per look-up, the last
    one again for every further look-up."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Local)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real = socket.getaddrinfo
    answers: list[str] = []

    def resolve(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    Local.seen = []
    yield f"http://rebind.test:{server.server_port}/record.xml", answers
    server.shutdown()


def policy(*allowed: str) -> fetch.Policy:
    return fetch.Policy(frozenset(allowed), "VERRIJK_HARVEST_ALLOWED_HOSTS", timeout_s=5, max_bytes=1000)


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_at_connect(rebinding):
    url, answers = rebinding
    answers += [PUBLIC, "127.0.0.1"]  # the check's look-up, then the connection's
    fetch.check_host(url, policy())  # what the check alone saw: a public address
    answers[:] = [PUBLIC, "127.0.0.1"]
    with pytest.raises(fetch.FetchError) as refused:
        fetch.get(url, policy())
    assert refused.value.status == 403 and "connected to 127.0.0.1" in str(refused.value)
    assert "VERRIJK_HARVEST_ALLOWED_HOSTS" in str(refused.value)
    assert answers == ["127.0.0.1"] and Local.seen == []  # both answers used, nothing reached the server


def test_a_host_allowed_by_name_is_read_on_a_private_address(rebinding):
    url, answers = rebinding
    answers.append("127.0.0.1")
    fetched = fetch.get(url, policy("rebind.test"))
    assert fetched.status == 200 and fetched.content == b"ok" and Local.seen == ["/record.xml"]


def test_proxies_in_the_environment_are_not_used(rebinding, monkeypatch):
    url, answers = rebinding
    answers.append("127.0.0.1")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there: a fetch through it would fail
    assert fetch.get(url, policy("rebind.test")).content == b"ok" and Local.seen == ["/record.xml"]


@pytest.mark.parametrize("address", ["127.0.0.1", "::ffff:127.0.0.1", "fe80::1%eth0", "10.1.2.3", "224.0.0.1"])
def test_private_loopback_link_local_and_multicast_addresses_are_not_public(address):
    assert not fetch._public(address)


@pytest.mark.parametrize("kind", ["media", "harvest"])
def test_a_host_that_never_answers_fails_after_the_settings_timeout(kind, tmp_path):
    from verrijk.config import Settings
    from verrijk.enrich.media import policy as media_policy
    from verrijk.ingest.service import harvest_policy

    with socket.socket() as silent:  # accepts the connection (the backlog does), never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/page"
        settings = Settings(data_dir=tmp_path, **{f"{kind}_timeout_s": 0.3, f"{kind}_allowed_hosts": ["127.0.0.1"]})
        chosen = media_policy(settings) if kind == "media" else harvest_policy(settings)
        started = time.monotonic()
        with pytest.raises(fetch.FetchError) as failed:
            fetch.get(url, chosen)
    assert failed.value.status == 400 and f"{url}: no answer within 0.3 s" in str(failed.value)
    assert time.monotonic() - started < 2


class Bomb(BaseHTTPRequestHandler):
    """10 MB of zeros, gzip-compressed to about 10 KB (and announced at that size)."""

    body = gzip.compress(b"\0" * 10_000_000)

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def test_a_gzip_bomb_stops_at_the_cap_counted_after_decompression():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Bomb)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        capped = fetch.Policy(frozenset({"127.0.0.1"}), "VERRIJK_MEDIA_ALLOWED_HOSTS", timeout_s=5, max_bytes=100_000)
        assert len(Bomb.body) < capped.max_bytes  # what travels passes the cap; what it unpacks to does not
        with pytest.raises(fetch.FetchTooLarge, match="more than the limit of 100000 bytes") as caught:
            fetch.get(f"http://127.0.0.1:{server.server_port}/bomb", capped)
        assert caught.value.status == 413
    finally:
        server.shutdown()
