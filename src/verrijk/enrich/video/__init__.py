"""The video modality: a video's key frames through the image enrichers (its sound goes through the audio
enrichers, which read the sound track of a video like a recording)."""
