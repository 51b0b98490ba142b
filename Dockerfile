# syntax=docker/dockerfile:1
# One image for web (gunicorn), worker (celery worker) and beat (celery beat): docker-compose.yml
# runs it three ways, plus a one-shot `migrate`. The default command is the web server.
#
# Source is copied path by path below (and .dockerignore keeps .venv/, node_modules/, var/ and
# static/vendor/ out of the build context): a new top-level app must be added to the COPY lines.

# --- Stage 1: front-end assets ---------------------------------------------------------------
# npm packages (package-lock.json) copied into static/vendor by config/dev/assets.py, exactly as
# `make assets` does. Node.js and npm stay in this stage; only static/vendor leaves it.
FROM python:3.11-slim-bookworm AS assets
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY config/dev/assets.py config/dev/assets.py
RUN python config/dev/assets.py

# --- Stage 2: the application ----------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=config.settings \
    WEB_CONCURRENCY=3

# WeasyPrint's native libraries: Pango (and through it HarfBuzz, fontconfig, FreeType), and
# HarfBuzz-Subset, without which WeasyPrint 70 warns and falls back to fontTools to subset fonts.
# DejaVu so there is always a font to render with.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The app's user. It has a home of its own (fontconfig keeps a per-user cache there); the code
# under /app stays owned by root.
RUN groupadd --system --gid 10001 continuum \
    && useradd --system --uid 10001 --gid continuum --create-home --home-dir /home/continuum \
        --shell /usr/sbin/nologin continuum

WORKDIR /app

# Python dependencies first, so a change to the source does not reinstall them. pyproject.toml
# declares no packages ([tool.setuptools] packages = []), so installing "." installs only the
# [project] dependencies, pinned by constraints.txt; not the [dev] extra. README.md is the
# project's `readme`, which the build reads.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt . \
    && rm -rf build continuum.egg-info

COPY manage.py ./
COPY config ./config
COPY accounts ./accounts
COPY cases ./cases
COPY pathways ./pathways
COPY assessments ./assessments
COPY referrals ./referrals
COPY stepdown ./stepdown
COPY escalation ./escalation
COPY audit ./audit
COPY templates ./templates
COPY static/src ./static/src
COPY --from=assets /build/static/vendor ./static/vendor

# Settings need DATABASE_URL and SECRET_KEY at import: dummy values for this step only (nothing
# connects to them). REDIS_URL is set so settings do not create the filesystem broker's folders.
RUN DATABASE_URL=postgresql://build@localhost/build \
    SECRET_KEY=build-only \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# var/ (VAR_DIR) is where the app writes its runtime files: beat's default schedule, and the file
# cache and filesystem broker when REDIS_URL is unset. The code stays owned by root.
RUN mkdir -p /app/var/exports && chown -R continuum:continuum /app/var

USER continuum
EXPOSE 8000

# gunicorn takes its number of worker processes from WEB_CONCURRENCY (set above; override it at
# run time). The access log records the path without the query string: person search puts names,
# dates of birth and postcodes in the query string, and logs hold events and ids only.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi", \
     "--bind", "0.0.0.0:8000", \
     "--threads", "4", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(M)sms"]
