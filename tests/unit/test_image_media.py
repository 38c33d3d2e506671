"""Media input: types sniffed from content, local files only under the media folders, http(s) with redirects
limited and private addresses refused unless allowed, IIIF Image services asked for a rendering, and caps against
truncated files and decompression bombs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from media_material import encode, huge_png, photo, truncated_jpeg

from verrijk.config import Settings
from verrijk.enrich.media import MediaError, MediaTooLarge, medium_of, open_image, read, sniff
from verrijk.fetch import MAX_REDIRECTS


class Handler(BaseHTTPRequestHandler):
    """/photo.jpg, /hop/N (N redirects before the photo), /big (over the size cap), /iiif/info.json and its
    rendering; every request path is kept in `seen`."""

    photo = encode(photo(7), "JPEG", quality=85)
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        Handler.seen.append(self.path)
        host = f"http://127.0.0.1:{self.server.server_port}"
        if self.path.startswith("/hop/"):
            n = int(self.path.rsplit("/", 1)[1])
            self._send(302, b"", location="/photo.jpg" if n == 0 else f"/hop/{n - 1}")
        elif self.path == "/photo.jpg":
            self._send(200, self.photo, "image/jpeg")
        elif self.path == "/big":
            self._send(200, b"\xff\xd8\xff" + b"\0" * 2_000_000, "image/jpeg")
        elif self.path == "/iiif/info.json":
            info = {
                "@context": "http://iiif.io/api/image/3/context.json",
                "id": f"{host}/iiif",
                "width": 4800,
                "height": 3600,
            }
            self._send(200, json.dumps(info).encode(), "application/json")
        elif self.path == "/iiif/full/!1600,1600/0/default.jpg":
            self._send(200, self.photo, "image/jpeg")
        else:
            self._send(404, b"")

    def _send(self, status, body, content_type="text/plain", location=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture
def allowed(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, media_allowed_hosts=["127.0.0.1"], media_max_mb=1.0, media_dirs=[tmp_path])


def test_type_comes_from_the_content_not_the_name(tmp_path):
    assert sniff(encode(photo(1), "JPEG")) == ("image/jpeg", "image")
    assert sniff(encode(photo(1), "PNG")) == ("image/png", "image")
    assert sniff(encode(photo(1), "WEBP")) == ("image/webp", "image")
    text = tmp_path / "letter.jpg"
    text.write_text("Beste, dit is geen foto maar een brief.\n")
    with pytest.raises(MediaError, match="the content is text, not an image") as caught:
        read(str(text), Settings(media_dirs=[tmp_path]))
    assert caught.value.status == 415


def test_local_files_only_under_the_media_folders(tmp_path):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.png").write_bytes(encode(photo(2)))
    (tmp_path / "secret.png").write_bytes(encode(photo(2)))
    settings = Settings(media_dirs=[tmp_path / "ok"])
    assert read(str(tmp_path / "ok" / "a.png"), settings).mime == "image/png"
    assert read(f"file://{tmp_path / 'ok' / 'a.png'}", settings).kind == "image"
    for outside in (str(tmp_path / "secret.png"), str(tmp_path / "ok" / ".." / "secret.png"), "/etc/passwd"):
        with pytest.raises(MediaError, match="only under the media folders"):
            read(outside, settings)
    with pytest.raises(MediaError, match="scheme 'ftp'"):
        read("ftp://example.org/a.png", settings)


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "localhost", "[::1]", "192.168.0.5"])
def test_private_addresses_are_refused(host):
    with pytest.raises(MediaError, match="private, loopback or link-local") as caught:
        read(f"http://{host}/photo.jpg", Settings())
    assert caught.value.status == 403


def test_allowed_host_redirects_and_size_cap(server, allowed):
    medium = read(f"{server}/photo.jpg", allowed)
    assert medium.mime == "image/jpeg" and open_image(medium, allowed).size == (480, 360)
    assert read(f"{server}/hop/{MAX_REDIRECTS - 1}", allowed).sha256 == medium.sha256
    with pytest.raises(MediaError, match=f"more than {MAX_REDIRECTS} redirects"):
        read(f"{server}/hop/{MAX_REDIRECTS}", allowed)
    with pytest.raises(MediaTooLarge, match="more than the limit") as caught:
        read(f"{server}/big", allowed)
    assert caught.value.status == 413
    with pytest.raises(MediaError, match="answered 404"):
        read(f"{server}/nothing.jpg", allowed)


def test_redirect_to_a_private_host_is_refused(server, tmp_path):
    # the first hop is allowed by name; the redirect's target is checked again and refused
    settings = Settings(media_allowed_hosts=["127.0.0.1"])
    assert read(f"{server}/hop/0", settings).kind == "image"
    with pytest.raises(MediaError, match="private"):
        read(f"http://localhost:{server.rsplit(':', 1)[1]}/hop/0", settings)


def test_iiif_service_is_asked_for_the_size_the_models_need(server, allowed):
    Handler.seen.clear()
    medium = read(f"{server}/iiif/info.json", allowed)
    assert Handler.seen == ["/iiif/info.json", "/iiif/full/!1600,1600/0/default.jpg"]
    assert medium.full_size == (4800, 3600) and medium.mime == "image/jpeg"


def test_truncated_and_oversized_images_fail_clearly(tmp_path):
    settings = Settings(media_max_pixels=40_000_000)
    with pytest.raises(MediaError, match="cannot be decoded") as caught:
        open_image(medium_of(truncated_jpeg(), "half.jpg"), settings)
    assert caught.value.status == 400
    with pytest.raises(MediaTooLarge, match="bomb.png: .*900000000 pixels"):
        open_image(medium_of(huge_png(), "bomb.png"), settings)
    with pytest.raises(MediaTooLarge, match="8000x6000 pixels, more than the limit of 40000000"):
        open_image(medium_of(huge_png(8000, 6000), "poster.png"), settings)
    with pytest.raises(MediaError, match="the file is empty"):
        medium_of(b"", "empty.jpg")
