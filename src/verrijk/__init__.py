"""verrijk: metadata enrichment service for heritage collections."""

__version__ = "0.1.0"
