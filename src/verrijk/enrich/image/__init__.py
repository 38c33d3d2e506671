"""The image modality: enrichers that read a record's images (OCR, dominant colours, perceptual hashes)."""
