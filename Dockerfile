# verrijk API + web UI. Data (SQLite, secrets) lives in /data; set VERRIJK_DATABASE_URL for PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    VERRIJK_DATA_DIR=/data VERRIJK_MODELS_DIR=/app/models
WORKDIR /app
# postgresql-client: pg_dump / pg_restore for `verrijk backup` and `verrijk restore` on PostgreSQL
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY src ./src
COPY models ./models
RUN pip install '.[postgres]' && useradd --system --home /data verrijk && mkdir -p /data && chown verrijk /data
USER verrijk
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import httpx; httpx.get('http://127.0.0.1:8000/health').raise_for_status()"
CMD ["sh", "-c", "verrijk init --org ${VERRIJK_ORG:-demo} && verrijk serve --host 0.0.0.0 --port 8000"]
