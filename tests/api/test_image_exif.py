"""image.exif: a photo's capture day, camera and (only when asked, rounded) position come back from its EXIF block,
also through POST /enrich/media; free-text and identifying fields never do; a file without EXIF proposes nothing."""

from __future__ import annotations

import io

from media_material import encode, photo
from PIL import Image

from verrijk.config import Settings
from verrijk.enrich.base import Item
from verrijk.enrich.image.exif import ExifEnricher
from verrijk.enrich.registry import REGISTRY


def with_exif(gps: bool = True) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D Mark II"
    exif[0x0112] = 6
    exif[0x0132] = "2020:01:01 00:00:00"
    exif[0x010E] = "Huis van de familie Peeters, Kerkstraat 12"  # ImageDescription: never read
    exif[0x013B] = "Jan Peeters"  # Artist: never read
    exif[0x8769] = {0x9003: "2019:05:04 14:31:07", 0xA431: "SN 0123456789"}  # body serial: never read
    if gps:
        exif[0x8825] = {1: "N", 2: (51.0, 13.0, 12.6), 3: "E", 4: (4.0, 24.0, 3.0)}
    out = io.BytesIO()
    photo(3, (320, 240)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def enrich(tmp_path, data: bytes, **params) -> list:
    (tmp_path / "foto.jpg").write_bytes(data)
    enricher = ExifEnricher(Settings(media_dirs=[tmp_path]), **params)
    return enricher.enrich([Item(1, "media.0", "image", url=str(tmp_path / "foto.jpg"))])[0]


def test_date_and_camera_but_no_position_by_default(tmp_path):
    found = enrich(tmp_path, with_exif())
    assert [(p.label, p.entity_type, p.score) for p in found] == [
        ("2019-05-04", "DATE", 0.5),
        ("Canon EOS 5D Mark II", None, 0.9),
    ]
    assert found[0].extra["orientation"] == 6 and "not the object's date" in found[0].extra["meaning"]
    said = repr([(p.label, p.extra) for p in found])
    assert "Peeters" not in said and "0123456789" not in said and "51." not in said


def test_position_only_when_asked_and_rounded(tmp_path):
    found = enrich(tmp_path, with_exif(), gps=True)
    where = next(p for p in found if p.entity_type == "LOC")
    assert where.label == "51.22, 4.4" and where.extra["precision_m"] == 1113
    coarse = next(p for p in enrich(tmp_path, with_exif(), gps=True, gps_decimals=1) if p.entity_type == "LOC")
    assert coarse.label == "51.2, 4.4" and coarse.extra["precision_m"] == 11132


def test_a_photo_without_exif_proposes_nothing(tmp_path):
    assert enrich(tmp_path, encode(photo(4), "PNG"), gps=True) == []
    assert REGISTRY.get("image.exif").validate({}) == {"gps": False, "gps_decimals": 2}


def test_exif_through_enrich_media(client, org):
    r = client.post(
        "/enrich/media", headers=org.headers(), files={"file": ("f.jpg", with_exif())}, data={"enrichers": "image.exif"}
    )
    assert r.status_code == 200, r.text
    assert [t["label"] for t in r.json()["tags"]] == ["2019-05-04", "Canon EOS 5D Mark II"]
