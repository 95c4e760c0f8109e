# syntax=docker/dockerfile:1
# Same steps as `make run`: npm ci for the pinned data/asset packages, install the Python
# package and its compiled geoparser core, build the boundary cache (and gazetteer), ingest the
# samples, serve. Multi-stage so Node and the Rust toolchain never reach the runtime image.

FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# The geoparser's compiled core: cargo and Debian's PyO3 crate, only in this stage; build.sh
# points cargo at Debian's crate directory (offline) as `make setup` does.
FROM python:3.11-slim-bookworm AS core
RUN apt-get update \
    && apt-get install -y --no-install-recommends cargo librust-pyo3-dev gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY geodata/core ./
RUN sh build.sh --cargo-config && pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RISKMAP_DATA_DIR=/var/lib/riskmap \
    RISKMAP_ASSETS_DIR=/app/node_modules
RUN useradd --create-home --uid 10001 riskmap \
    && mkdir -p /var/lib/riskmap && chown riskmap /var/lib/riskmap
WORKDIR /app

# Dependencies first, in their own layer: the source changes far more often than they do.
COPY pyproject.toml README.md ./
RUN mkdir -p geodata maps service \
    && touch geodata/__init__.py maps/__init__.py service/__init__.py \
    && pip install . \
    && pip uninstall --yes riskmap

COPY geodata geodata
COPY maps maps
COPY service service
COPY samples samples
COPY docs docs
RUN pip install --no-deps .
COPY --from=core /wheels /wheels
RUN pip install --no-deps /wheels/*.whl && rm -rf /wheels
COPY --from=assets /app/node_modules /app/node_modules

USER riskmap
RUN riskmap data build

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"
# As `make run`: ingest the sample articles (idempotent), then serve.
CMD ["sh", "-c", "riskmap ingest samples && exec riskmap serve --host 0.0.0.0 --port 8000"]
