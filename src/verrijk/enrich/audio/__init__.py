"""The audio modality: recordings (and the sound of videos) decoded within caps, cut into speech, music, singing,
noise and silence, and transcribed with word timestamps; transcripts go through the text pipeline."""
