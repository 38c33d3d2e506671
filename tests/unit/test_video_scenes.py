"""video.frames takes one frame per scene: generated MP4s of solid, checkerboard and striped scenes of known
lengths (a moving square and grain inside each, key frames only every 5 s) give a frame at the start of each
scene within half a second, showing that scene; scenes closer than `min_gap` wait for it, a long scene gets a
frame every `every` seconds, `limit` caps them, and threshold 0 falls back to key frames."""

from __future__ import annotations

import numpy as np
import pytest
from audio_material import scene_picture, scenes_mp4

from verrijk.config import Settings
from verrijk.enrich.media import medium_of
from verrijk.enrich.video.frames import Sampling, key_frames

RED, BLUE, YELLOW, GREEN = (200, 30, 30), (30, 70, 200), (240, 200, 40), (40, 160, 60)


def taken(scenes, **sampling) -> list[tuple[float, np.ndarray]]:
    medium = medium_of(scenes_mp4(scenes), "scenes.mp4")
    return [(t, np.asarray(image)) for t, image in key_frames(medium, Settings(), Sampling(**sampling))]


def starts(scenes) -> list[float]:
    return [sum(seconds for *_, seconds in scenes[:i]) for i in range(len(scenes))]


@pytest.mark.parametrize(
    "scenes",
    [
        [("solid", RED, 1.5), ("checkers", BLUE, 2.5), ("stripes", YELLOW, 2.0)],
        [("stripes", GREEN, 2.2), ("stripes", BLUE, 1.2), ("solid", YELLOW, 3.0)],
    ],
)
def test_one_frame_per_scene_at_its_start(scenes):
    frames = taken(scenes)
    assert len(frames) == len(scenes)
    for (t, picture), start, (kind, colour, _) in zip(frames, starts(scenes), scenes, strict=True):
        assert start <= t <= start + 0.5, (t, start)
        difference = np.abs(picture.astype(int) - scene_picture(kind, colour)).mean()
        assert difference < 12, (t, kind, difference)  # the frame shows its own scene (square and grain aside)


def test_scenes_closer_than_min_gap_wait_for_it_and_long_scenes_are_sampled():
    frames = taken([("solid", RED, 0.4), ("solid", BLUE, 0.4), ("solid", GREEN, 6.0)], every=2.0)
    assert [round(t) for t, _ in frames] == [0, 1, 3, 5]  # the cut at 0.4 s waits for min_gap, then every 2 s
    assert [round(t) for t, _ in taken([("solid", RED, 3.0), ("checkers", BLUE, 3.0)], limit=1)] == [0]


def test_without_scene_detection_key_frames_are_taken_every_so_often():
    frames = taken([("solid", RED, 3.0), ("checkers", BLUE, 3.5)], threshold=0, every=1.0)
    assert [t for t, _ in frames] == [0.0, 5.0]  # key frames only every 5 s in these videos
