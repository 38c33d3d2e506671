"""Scene detection of video.frames on generated videos: how many scene starts get a frame within 0.5 s, how many
frames taken start no scene, the mean timing error, and the cost per second of video.

    PYTHONPATH=src .venv/bin/python benchmarks/video_scenes.py [--videos 20] [--seed 1]

Each video (tests/audio_material.scenes_mp4: MPEG-4, 160x120, 25 fps, key frames only every 5 s) has 3-6 scenes
of 1.2-6 s, each solid, checkered or striped in a random colour, with a moving square and grain inside; `every`
is set past the longest scene, so every frame taken should be a scene start.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from audio_material import scenes_mp4  # noqa: E402

from verrijk.config import Settings  # noqa: E402
from verrijk.enrich.media import medium_of  # noqa: E402
from verrijk.enrich.video.frames import Sampling, key_frames  # noqa: E402

TOLERANCE = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    found = scenes = taken = 0
    errors: list[float] = []
    seconds = spent = 0.0
    for n in range(args.videos):
        kinds = ["solid", "checkers", "stripes"]
        scenes_of = [
            (str(rng.choice(kinds)), tuple(int(c) for c in rng.integers(0, 256, 3)), float(d))
            for d in np.round(rng.uniform(1.2, 6.0, rng.integers(3, 7)), 2)
        ]
        starts = np.cumsum([0.0] + [d for *_, d in scenes_of[:-1]])
        medium = medium_of(scenes_mp4(scenes_of, seed=n), f"video{n}.mp4")
        began = time.perf_counter()
        times = [t for t, _ in key_frames(medium, Settings(), Sampling(every=60.0, limit=100))]
        spent += time.perf_counter() - began
        seconds += sum(d for *_, d in scenes_of)
        for start in starts:
            near = [t for t in times if start - TOLERANCE <= t <= start + TOLERANCE]
            found += bool(near)
            errors += [min(abs(t - start) for t in near)] if near else []
        scenes += len(starts)
        taken += len(times)
    print(f"videos {args.videos}, scenes {scenes}, frames taken {taken}")
    print(f"scene starts with a frame within {TOLERANCE} s: {found / scenes:.3f} ({found}/{scenes})")
    print(f"frames taken that start a scene: {found / taken:.3f}")
    print(f"mean timing error {np.mean(errors):.3f} s, max {np.max(errors):.3f} s")
    print(f"cost: {spent / seconds * 1000:.1f} ms per second of video (160x120, 25 fps, decode + compare)")


if __name__ == "__main__":
    main()
