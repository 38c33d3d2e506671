"""The text modality: language detection, named entities, authority linking and subject suggestion."""
