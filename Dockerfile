# verrijk API + web UI. Data (SQLite, secrets) lives in /data; set VERRIJK_DATABASE_URL for PostgreSQL.
FROM python:3.11-slim

# OMP_THREAD_LIMIT=1: Tesseract (image.ocr) is faster with one OpenMP thread per process on a busy machine
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 OMP_THREAD_LIMIT=1 \
    VERRIJK_DATA_DIR=/data VERRIJK_MODELS_DIR=/app/models
# image.ocr reads with Debian's Tesseract and its Dutch, French and English data
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# postgresql-client: pg_dump / pg_restore for `verrijk backup` and `verrijk restore` on PostgreSQL
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY src ./src
COPY models ./models
# EXTRAS: pip extras; compose.yaml adds ray for the cluster's head, workers and the enrich driver
ARG EXTRAS=postgres,audio
RUN pip install ".[${EXTRAS}]" && useradd --system --home /data verrijk && mkdir -p /data && chown verrijk /data
USER verrijk
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import httpx; httpx.get('http://127.0.0.1:8000/health').raise_for_status()"
CMD ["sh", "-c", "verrijk init --org ${VERRIJK_ORG:-demo} && verrijk serve --host 0.0.0.0 --port 8000"]
