"""Audio decoding for the audio enrichers: any medium PyAV (FFmpeg) reads, audio or the sound track of a video,
resampled to 16 kHz mono float32, within the deployment's duration cap.

The cap is checked on the container's declared duration before anything is decoded, and again on the samples
while decoding (a stream may declare no duration, or a false one), so an over-long recording is refused (413)
without decoding more than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import numpy as np

from verrijk.config import Settings
from verrijk.enrich.media import MediaError, MediaTooLarge, Medium
from verrijk.errors import Unavailable

SAMPLE_RATE = 16_000
INSTALL = "pip install 'verrijk[audio]'"


@dataclass(frozen=True)
class Audio:
    """A recording as 16 kHz mono float32 samples in -1..1."""

    samples: np.ndarray
    source: str

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def span(self, start: float, end: float) -> np.ndarray:
        return self.samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]


def pyav():
    """PyAV, or Unavailable saying how to install it."""
    try:
        import av
    except ImportError:
        raise Unavailable(f"audio and video enrichers need PyAV, which is not installed: {INSTALL}") from None
    return av


def too_long(source: str, seconds: float, settings: Settings) -> MediaTooLarge:
    return MediaTooLarge(
        f"{source}: {seconds:.0f} s of audio, more than the limit of {settings.media_max_seconds:.0f} s "
        "(VERRIJK_MEDIA_MAX_SECONDS)"
    )


def open_audio(medium: Medium, settings: Settings) -> Audio:
    """The medium's first audio stream as 16 kHz mono float32; MediaError when it has none or cannot be decoded,
    MediaTooLarge when it is longer than media_max_seconds."""
    if medium.kind not in ("audio", "video"):
        raise MediaError(f"{medium.source}: {medium.mime} is not audio or video", status=415)
    av = pyav()
    limit = int(settings.media_max_seconds * SAMPLE_RATE)
    try:
        with av.open(BytesIO(medium.data), mode="r") as container:
            if not container.streams.audio:
                raise MediaError(f"{medium.source}: the {medium.mime} file has no sound", status=415)
            stream = container.streams.audio[0]
            declared = container.duration / av.time_base if container.duration else 0.0
            if declared > settings.media_max_seconds:
                raise too_long(medium.source, declared, settings)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            chunks, size = [], 0
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray()[0])
                    size += out.samples
                if size > limit:
                    raise too_long(medium.source, size / SAMPLE_RATE, settings)
            chunks.extend(out.to_ndarray()[0] for out in resampler.resample(None))
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, IndexError) as exc:
        raise MediaError(f"{medium.source}: the {medium.mime} file cannot be decoded ({exc})") from None
    if not chunks:
        raise MediaError(f"{medium.source}: the {medium.mime} file holds no audio samples")
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    return Audio(np.clip(samples, -1.0, 1.0), medium.source)
